//! Writing a checked load plan (`tiendo load`, `tiendo demo`, `tiendo init --hierarchy`):
//! units, successions, documents, targets, rules, dashboards and tasks, each inserted or
//! updated by its code, all in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use tiendo_dataset::strategy::Plan;
use tiendo_dataset::Dataset;
use tiendo_domain::orgs::{Hierarchy, OrgCode};
use tiendo_domain::tasks::{Clearance, Task, TaskCode};

use crate::audit::{append, Record};
use crate::rows::{enum_text, stored_english, to_json};
use crate::{on_pool, Result, Store, StoreError, TaskFilter};

// One statement per kind inserts a new item or updates the stored one of the same code:
// `ON CONFLICT … DO UPDATE` is understood by SQLite, PostgreSQL and the distributed engines
// that speak PostgreSQL's dialect. Its last parameter says whether a stored item may be
// replaced: a load replaces, a definition added through a form does not (the conflict then
// writes nothing and returns no row, and the code is refused as taken). A withdrawn rule stays
// withdrawn.
const UPSERT_UNIT: &str = "INSERT INTO org_units (code, kind, name_vi, name_en, parent_id, \
     valid_from, valid_to, synthetic, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name_vi = excluded.name_vi, \
     name_en = excluded.name_en, parent_id = excluded.parent_id, \
     valid_from = excluded.valid_from, valid_to = excluded.valid_to, \
     synthetic = excluded.synthetic, source = excluded.source WHERE $10 RETURNING id";
const UPSERT_DOCUMENT: &str = "INSERT INTO documents (code, kind, title_en, title_vi, \
     issuer_id, issued_on, structure_note, sections, source) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, title_en = excluded.title_en, \
     title_vi = excluded.title_vi, issuer_id = excluded.issuer_id, \
     issued_on = excluded.issued_on, structure_note = excluded.structure_note, \
     sections = excluded.sections, source = excluded.source WHERE $10 RETURNING id";
const UPSERT_TARGET: &str = "INSERT INTO targets (code, document_id, group_code, name_en, \
     name_vi, family, unit, direction, goals, baseline_value, baseline_period, periodicity, \
     aggregation, reporters, source, bounds) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT (code) DO UPDATE SET document_id = excluded.document_id, \
     group_code = excluded.group_code, name_en = excluded.name_en, \
     name_vi = excluded.name_vi, family = excluded.family, unit = excluded.unit, \
     direction = excluded.direction, goals = excluded.goals, \
     baseline_value = excluded.baseline_value, baseline_period = excluded.baseline_period, \
     periodicity = excluded.periodicity, aggregation = excluded.aggregation, \
     reporters = excluded.reporters, source = excluded.source, bounds = excluded.bounds \
     WHERE $17 RETURNING id";
const UPSERT_RULE: &str = "INSERT INTO validation_rules (code, rule) VALUES ($1, $2) \
     ON CONFLICT (code) DO UPDATE SET rule = excluded.rule WHERE $3";
const UPSERT_DASHBOARD: &str = "INSERT INTO dashboards (code, owner_org_id, definition, \
     author, updated_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (code) DO UPDATE SET owner_org_id = excluded.owner_org_id, \
     definition = excluded.definition, author = excluded.author, \
     updated_at = excluded.updated_at WHERE $6";
const UPSERT_TASK: &str = "INSERT INTO tasks (code, document_id, group_code, parent_id, depth, \
     title_en, title_vi, lead_id, start_on, deadline, completed_on, cancelled_on, \
     expected_product, secrecy, source, lead_as_given, coordinators_as_given, \
     deadline_as_given) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (code) DO UPDATE SET document_id = excluded.document_id, \
     group_code = excluded.group_code, title_en = excluded.title_en, \
     title_vi = excluded.title_vi, lead_id = excluded.lead_id, start_on = excluded.start_on, \
     deadline = excluded.deadline, completed_on = excluded.completed_on, \
     cancelled_on = excluded.cancelled_on, expected_product = excluded.expected_product, \
     secrecy = excluded.secrecy, source = excluded.source, \
     lead_as_given = excluded.lead_as_given, \
     coordinators_as_given = excluded.coordinators_as_given, \
     deadline_as_given = excluded.deadline_as_given WHERE $19 RETURNING id";

/// How deep a unit sits in `hierarchy`: parents are written before their children, so each
/// row can name its parent's id.
fn unit_depth(hierarchy: &Hierarchy, code: &OrgCode) -> usize {
    let mut depth = 0;
    let mut cur = hierarchy.get(code).and_then(|u| u.parent.as_ref());
    while let Some(p) = cur {
        depth += 1;
        cur = hierarchy.get(p).and_then(|u| u.parent.as_ref());
    }
    depth
}

/// How deep each written task sits among `tasks` and the stored ones (`stored_depth`).
fn task_depths<'a>(
    tasks: impl Iterator<Item = &'a Task>,
    stored_depth: &HashMap<String, i32>,
) -> HashMap<&'a TaskCode, i32> {
    let tasks: Vec<&Task> = tasks.collect();
    let by_code: HashMap<&str, &Task> = tasks.iter().map(|t| (t.code.as_str(), *t)).collect();
    tasks
        .iter()
        .map(|t| {
            let mut depth = 1;
            let mut cur = t.parent.as_ref();
            while let Some(p) = cur {
                if let Some(&d) = stored_depth.get(p.as_str()) {
                    depth += d;
                    break;
                }
                depth += 1;
                cur = by_code.get(p.as_str()).and_then(|t| t.parent.as_ref());
            }
            (&t.code, depth)
        })
        .collect()
}

/// The stored id of `code`; a plan is checked before it is written, so a missing one is a
/// definition removed meanwhile, refused rather than written half.
fn known(ids: &HashMap<String, i64>, code: &str) -> Result<i64> {
    ids.get(code)
        .copied()
        .ok_or_else(|| StoreError::Invalid(format!("{code} is not defined")))
}

/// A code the form's definition would take from a stored item.
fn taken(code: &str) -> StoreError {
    StoreError::Invalid(format!("code: {code} already exists"))
}

/// Who wrote a load, for the audit trail and the dashboards it writes.
pub struct LoadBy<'a> {
    pub actor: &'a str,
    /// Where the definitions came from (a folder), for the audit entry; `None` for a dataset
    /// loaded into an empty database, which records no audit entry.
    pub origin: Option<&'a str>,
    /// The document whose task appendix `origin` is, when the plan is one: audited as a task
    /// import into that document rather than as a folder load.
    pub appendix_of: Option<&'a str>,
}

impl Store {
    /// The agency names people mapped while importing task appendices: the words as written
    /// and the unit, or none for a group named collectively.
    pub async fn agency_mappings(&self) -> Result<Vec<tiendo_dataset::agencies::Mapping>> {
        let rows: Vec<(String, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT words, unit FROM agency_mappings ORDER BY folded")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(words, unit)| {
                let unit = unit.map(|u| u.parse()).transpose().map_err(
                    |e: tiendo_domain::codes::CodeError| StoreError::Corrupt {
                        what: "agency mapping",
                        detail: e.to_string(),
                    },
                )?;
                Ok((words, unit))
            })
            .collect()
    }

    /// Every definition the database holds (no values, no progress), as a dataset a folder is
    /// checked and compared with.
    pub async fn definitions(&self) -> Result<Dataset> {
        Ok(Dataset {
            hierarchy: self.hierarchy().await?,
            documents: self.documents().await?,
            targets: self.targets(None).await?,
            tasks: self.tasks(&TaskFilter::all(Clearance::Secret)).await?,
            values: Vec::new(),
            progress: Vec::new(),
            rules: self.validation_rules().await?,
            dashboards: self.dashboards().await?,
        })
    }

    /// Writes every new and changed definition of `plan` in one transaction, with one audit
    /// entry listing the codes written. The plan's values are not written here: they go
    /// through the import, which compares them with the stored ones.
    pub async fn write_plan(&self, plan: &Plan, by: &LoadBy<'_>) -> Result<()> {
        let audit = by.origin.map(|origin| Record {
            actor: by.actor,
            action: if by.appendix_of.is_some() {
                "tasks.import"
            } else {
                "strategy.load"
            },
            object: match by.appendix_of {
                Some(document) => format!("document {document}, file {origin}"),
                None => format!("folder {origin}"),
            },
            before: None,
            after: Some(to_json(&serde_json::json!({
                "agency_mappings": plan.agency_mappings.iter().map(|(w, u)| {
                    serde_json::json!({"words": w, "unit": u.as_ref().map(|u| u.as_str())})
                }).collect::<Vec<_>>(),
                "units": plan.units.written().map(|u| u.code.as_str()).collect::<Vec<_>>(),
                "successions": plan.successions.len(),
                "documents": plan.documents.written().map(|d| d.code.as_str()).collect::<Vec<_>>(),
                "targets": plan.targets.written().map(|t| t.code.as_str()).collect::<Vec<_>>(),
                "tasks": plan.tasks.written().map(|t| t.code.as_str()).collect::<Vec<_>>(),
                "rules": plan.rules.written().map(|r| r.code.as_str()).collect::<Vec<_>>(),
                "dashboards": plan.dashboards.written().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            }))),
        });
        self.write_audited(plan, by.actor, audit, true).await
    }

    /// Writes `plan` as [`Store::write_plan`] does, with `audit` (one definition added through
    /// a form is audited as what it is). Without `replace`, an item whose code is stored
    /// already is refused and nothing is written.
    pub(crate) async fn write_audited(
        &self,
        plan: &Plan,
        actor: &str,
        audit: Option<Record<'_>>,
        replace: bool,
    ) -> Result<()> {
        let mut units: Vec<_> = plan.units.written().collect();
        units.sort_by_key(|u| unit_depth(&plan.hierarchy, &u.code));
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_with(self.begin_write()).await?;
            if self.writes_side_by_side() {
                // Writers of values share targets and then lock units, each in id order
                // (`locks`); a load locks the stored ones it rewrites in that order before it
                // writes any, so a load during a rush waits for the writers or they for it,
                // never each for the other.
                for (codes, lock) in [
                    self.lock_by_code(
                        "targets",
                        plan.targets.written().map(|t| t.code.as_str()),
                        " FOR UPDATE",
                    ),
                    self.lock_by_code(
                        "org_units",
                        units.iter().map(|u| u.code.as_str()),
                        self.for_writing_units(),
                    ),
                ] {
                    crate::locks::lock_rows!(tx, &codes, &lock);
                }
            }
            let ids = |table: &'static str| format!("SELECT code, id FROM {table}");
            let mut unit_ids: HashMap<String, i64> =
                sqlx::query_as(&ids("org_units")).fetch_all(&mut *tx).await?.into_iter().collect();
            let mut doc_ids: HashMap<String, i64> =
                sqlx::query_as(&ids("documents")).fetch_all(&mut *tx).await?.into_iter().collect();
            let mut target_ids: HashMap<String, i64> =
                sqlx::query_as(&ids("targets")).fetch_all(&mut *tx).await?.into_iter().collect();
            let stored: Vec<(String, i64, i32)> = sqlx::query_as("SELECT code, id, depth FROM tasks")
                .fetch_all(&mut *tx)
                .await?;
            let stored_depth: HashMap<String, i32> =
                stored.iter().map(|(c, _, d)| (c.clone(), *d)).collect();
            let mut task_ids: HashMap<String, i64> =
                stored.into_iter().map(|(c, id, _)| (c, id)).collect();

            for u in &units {
                let parent = u.parent.as_ref().map(|p| known(&unit_ids, p.as_str())).transpose()?;
                let id: i64 = sqlx::query_scalar(UPSERT_UNIT)
                    .bind(u.code.as_str())
                    .bind(u.kind.as_str())
                    .bind(&u.name_vi)
                    .bind(&u.name_en)
                    .bind(parent)
                    .bind(u.validity.from())
                    .bind(u.validity.to())
                    .bind(u.synthetic)
                    .bind(&u.source)
                    .bind(replace)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| taken(u.code.as_str()))?;
                unit_ids.insert(u.code.to_string(), id);
            }
            for s in &plan.successions {
                sqlx::query(
                    "INSERT INTO org_successions (predecessor_id, successor_id, effective, source) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(known(&unit_ids, s.predecessor.as_str())?)
                .bind(known(&unit_ids, s.successor.as_str())?)
                .bind(s.effective)
                .bind(&s.source)
                .execute(&mut *tx)
                .await?;
            }
            for d in plan.documents.written() {
                let id: i64 = sqlx::query_scalar(UPSERT_DOCUMENT)
                    .bind(d.code.as_str())
                    .bind(d.kind.as_str())
                    .bind(stored_english(d.title_en.as_deref()))
                    .bind(&d.title_vi)
                    .bind(d.issuer.as_ref().map(|i| known(&unit_ids, i.as_str())).transpose()?)
                    .bind(d.issued_on)
                    .bind(&d.structure_note)
                    .bind(to_json(&d.sections))
                    .bind(&d.source)
                    .bind(replace)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| taken(d.code.as_str()))?;
                doc_ids.insert(d.code.to_string(), id);
            }
            // Links after every document is written: a document may implement one the same
            // load adds.
            for d in plan.documents.written() {
                let id = known(&doc_ids, d.code.as_str())?;
                sqlx::query("DELETE FROM document_links WHERE document_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for imp in &d.implements {
                    sqlx::query("INSERT INTO document_links (document_id, implements_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(known(&doc_ids, imp.as_str())?)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for t in plan.targets.written() {
                let id: i64 = sqlx::query_scalar(UPSERT_TARGET)
                    .bind(t.code.as_str())
                    .bind(t.document.as_ref().map(|d| known(&doc_ids, d.as_str())).transpose()?)
                    .bind(t.group.as_ref().map(|g| g.as_str()))
                    .bind(stored_english(t.name_en.as_deref()))
                    .bind(&t.name_vi)
                    .bind(enum_text(&t.family))
                    .bind(&t.unit)
                    .bind(enum_text(&t.direction))
                    .bind(to_json(&t.goals))
                    .bind(t.baseline.as_ref().map(|b| b.value))
                    .bind(t.baseline.as_ref().map(|b| b.period.to_string()))
                    .bind(t.periodicity.as_str())
                    .bind(to_json(&t.aggregation))
                    .bind(to_json(&t.reporters))
                    .bind(&t.source)
                    .bind(t.bounds.as_ref().map(to_json))
                    .bind(replace)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| taken(t.code.as_str()))?;
                target_ids.insert(t.code.to_string(), id);
            }
            for d in plan.dashboards.written() {
                let written = sqlx::query(UPSERT_DASHBOARD)
                    .bind(d.code.as_str())
                    .bind(known(&unit_ids, d.owner.as_str())?)
                    .bind(to_json(d))
                    .bind(actor)
                    .bind(now)
                    .bind(replace)
                    .execute(&mut *tx)
                    .await?;
                if written.rows_affected() == 0 {
                    return Err(taken(d.code.as_str()));
                }
            }
            for r in plan.rules.written() {
                let written = sqlx::query(UPSERT_RULE)
                    .bind(&r.code)
                    .bind(to_json(r))
                    .bind(replace)
                    .execute(&mut *tx)
                    .await?;
                if written.rows_affected() == 0 {
                    return Err(taken(r.code.as_str()));
                }
            }
            let depths = task_depths(plan.tasks.written(), &stored_depth);
            let mut tasks: Vec<_> = plan.tasks.written().collect();
            tasks.sort_by_key(|t| depths[&t.code]);
            for t in tasks {
                let parent = t.parent.as_ref().map(|p| known(&task_ids, p.as_str())).transpose()?;
                let id: i64 = sqlx::query_scalar(UPSERT_TASK)
                    .bind(t.code.as_str())
                    .bind(known(&doc_ids, t.document.as_str())?)
                    .bind(t.group.as_ref().map(|g| g.as_str()))
                    .bind(parent)
                    .bind(depths[&t.code])
                    .bind(stored_english(t.title_en.as_deref()))
                    .bind(&t.title_vi)
                    .bind(known(&unit_ids, t.lead.as_str())?)
                    .bind(t.start)
                    .bind(t.deadline)
                    .bind(t.completed_on)
                    .bind(t.cancelled_on)
                    .bind(&t.expected_product)
                    .bind(crate::tasks::secrecy(t.confidentiality))
                    .bind(&t.source)
                    .bind(&t.as_published.lead_as_given)
                    .bind(&t.as_published.coordinators_as_given)
                    .bind(&t.as_published.deadline_as_given)
                    .bind(replace)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| taken(t.code.as_str()))?;
                task_ids.insert(t.code.to_string(), id);
                sqlx::query("DELETE FROM task_coordinators WHERE task_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for c in &t.coordinators {
                    sqlx::query("INSERT INTO task_coordinators (task_id, org_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(known(&unit_ids, c.as_str())?)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM task_targets WHERE task_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for tc in &t.targets {
                    sqlx::query("INSERT INTO task_targets (task_id, target_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(known(&target_ids, tc.as_str())?)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (words, unit) in &plan.agency_mappings {
                sqlx::query(
                    "INSERT INTO agency_mappings (folded, words, unit) VALUES ($1, $2, $3) \
                     ON CONFLICT (folded) DO UPDATE SET words = excluded.words, unit = excluded.unit",
                )
                .bind(tiendo_domain::search::fold(words))
                .bind(words)
                .bind(unit.as_ref().map(|u| u.as_str()))
                .execute(&mut *tx)
                .await?;
            }
            if let Some(record) = &audit {
                append!(tx, now, *record);
            }
            crate::feed::announce!(self, tx, crate::feed::DEFINITIONS, crate::feed::instance());
            tx.commit().await?;
        });
        Ok(())
    }
}
