//! Reading and cross-checking the data files.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Deserialize;
use tiendo_domain::documents::{Document, DocumentCode};
use tiendo_domain::orgs::{Hierarchy, OrgCode, OrgKind, OrgUnit, Succession, Validity};
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::tasks::{ProgressUpdate, Task, TaskCode, MAX_TASK_DEPTH};
use tiendo_domain::values::{NewValue, Number};

use crate::files::{self, DataFile};
use crate::{communes, programme};

/// Everything the reference dataset holds, checked and cross-referenced.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub hierarchy: Hierarchy,
    pub documents: Vec<Document>,
    pub targets: Vec<Target>,
    pub tasks: Vec<Task>,
    pub values: Vec<NewValue>,
    /// Progress updates on the tasks: the completions published reports state.
    pub progress: Vec<ProgressUpdate>,
    /// Validation rules between targets (`data/rules/`).
    pub rules: Vec<tiendo_domain::validation::ValidationRule>,
    /// Example dashboards (`data/dashboards/`).
    pub dashboards: Vec<tiendo_domain::dashboards::Dashboard>,
}

/// A problem in a data file: which file, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DatasetError {
    pub file: String,
    /// Counted from 1; a file within the readers' limits has far fewer lines than `u32` holds.
    pub line: Option<u32>,
    pub field: Option<String>,
    /// The English sentence, for logs.
    pub message: String,
    /// Stable, for the reader's language (`dataset-…` in the wording catalogue): what is
    /// wrong, with `args`; `invalid` where only the message is known (a file that does not
    /// parse).
    pub code: &'static str,
    pub args: Box<[(&'static str, String)]>,
    /// For a value the admissibility rule refused: the rule's refusal, worded for the reader.
    pub refusal: Option<Box<tiendo_domain::admissibility::Refusal>>,
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl DatasetError {
    pub(crate) fn in_file(file: &str, message: impl Into<String>) -> Self {
        DatasetError {
            file: file.to_string(),
            line: None,
            field: None,
            message: message.into(),
            code: "invalid",
            args: Box::new([]),
            refusal: None,
        }
    }

    /// This problem as the fact `code`, worded in the reader's language from `args`.
    pub(crate) fn coded<const N: usize>(
        mut self,
        code: &'static str,
        args: [(&'static str, String); N],
    ) -> Self {
        self.code = code;
        self.args = Box::new(args);
        self
    }
}

/// One CSV record with its line number, read by column name.
pub(crate) struct Row<'a> {
    file: &'a str,
    line: u64,
    headers: &'a csv::StringRecord,
    record: csv::StringRecord,
}

impl Row<'_> {
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> DatasetError {
        DatasetError {
            file: self.file.to_string(),
            line: u32::try_from(self.line).ok(),
            field: Some(field.to_string()),
            message: message.into(),
            code: "invalid",
            args: Box::new([]),
            refusal: None,
        }
    }

    pub(crate) fn opt(&self, field: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h == field)?;
        self.record.get(i).map(str::trim).filter(|s| !s.is_empty())
    }

    pub(crate) fn parse<T: FromStr>(&self, field: &str) -> Result<T, DatasetError>
    where
        T::Err: fmt::Display,
    {
        let raw = self
            .opt(field)
            .ok_or_else(|| self.error(field, "a value is required"))?;
        raw.parse().map_err(|e| self.error(field, format!("{e}")))
    }

    pub(crate) fn parse_opt<T: FromStr>(&self, field: &str) -> Result<Option<T>, DatasetError>
    where
        T::Err: fmt::Display,
    {
        match self.opt(field) {
            None => Ok(None),
            Some(raw) => raw
                .parse()
                .map(Some)
                .map_err(|e| self.error(field, format!("{e}"))),
        }
    }
}

pub(crate) fn read_csv<T>(
    file: &DataFile<'_>,
    mut each: impl FnMut(&Row) -> Result<T, DatasetError>,
) -> Result<Vec<T>, DatasetError> {
    let mut reader = csv::Reader::from_reader(file.text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| DatasetError::in_file(file.path, e.to_string()))?
        .clone();
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DatasetError {
            file: file.path.to_string(),
            line: e.position().and_then(|p| u32::try_from(p.line()).ok()),
            field: None,
            message: e.to_string(),
            code: "invalid",
            args: Box::new([]),
            refusal: None,
        })?;
        let line = record.position().map_or(0, |p| p.line());
        out.push(each(&Row {
            file: file.path,
            line,
            headers: &headers,
            record,
        })?);
    }
    Ok(out)
}

pub(crate) fn read_toml<T: for<'de> Deserialize<'de>>(
    file: &DataFile<'_>,
) -> Result<T, DatasetError> {
    toml::from_str(file.text).map_err(|e| DatasetError {
        file: file.path.to_string(),
        line: e
            .span()
            .and_then(|s| u32::try_from(file.text[..s.start].matches('\n').count() + 1).ok()),
        field: None,
        message: e.message().to_string(),
        code: "invalid",
        args: Box::new([]),
        refusal: None,
    })
}

pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    file: &DataFile<'_>,
) -> Result<T, DatasetError> {
    serde_json::from_str(file.text).map_err(|e| DatasetError {
        file: file.path.to_string(),
        line: u32::try_from(e.line()).ok(),
        field: None,
        message: e.to_string(),
        code: "invalid",
        args: Box::new([]),
        refusal: None,
    })
}

pub(crate) fn read_units(file: &DataFile<'_>) -> Result<Vec<OrgUnit>, DatasetError> {
    read_csv(file, |row| {
        let from: Option<NaiveDate> = row.parse_opt("valid_from")?;
        let to: Option<NaiveDate> = row.parse_opt("valid_to")?;
        Ok(OrgUnit {
            code: row.parse("code")?,
            kind: row.parse("kind")?,
            name_vi: row.parse("name_vi")?,
            name_en: row.parse("name_en")?,
            parent: row.parse_opt("parent")?,
            validity: Validity::new(from, to).map_err(|e| row.error("valid_to", e.to_string()))?,
            synthetic: false,
            source: Some(row.parse("source")?),
        })
    })
}

#[derive(Deserialize)]
struct DocumentsFile {
    document: Vec<Document>,
}

#[derive(Deserialize)]
struct TargetsFile {
    target: Vec<Target>,
}

#[derive(Deserialize)]
struct TasksFile {
    task: Vec<Task>,
}

pub(crate) fn read_successions(file: &DataFile<'_>) -> Result<Vec<Succession>, DatasetError> {
    read_csv(file, |row| {
        Ok(Succession {
            predecessor: row.parse("predecessor")?,
            successor: row.parse("successor")?,
            effective: row.parse("effective")?,
            source: Some(row.parse("source")?),
        })
    })
}

pub(crate) fn read_documents(file: &DataFile<'_>) -> Result<Vec<Document>, DatasetError> {
    Ok(read_toml::<DocumentsFile>(file)?.document)
}

/// A file of targets, each checked on its own (its goals fit its shape).
pub(crate) fn read_targets(file: &DataFile<'_>) -> Result<Vec<Target>, DatasetError> {
    let list = read_toml::<TargetsFile>(file)?.target;
    for t in &list {
        t.validate()
            .map_err(|e| DatasetError::in_file(file.path, format!("target {}: {e}", t.code)))?;
    }
    Ok(list)
}

pub(crate) fn read_tasks(file: &DataFile<'_>) -> Result<Vec<Task>, DatasetError> {
    Ok(read_toml::<TasksFile>(file)?.task)
}

/// Published values: one row per figure, each with its source.
pub(crate) fn read_values(file: &DataFile<'_>) -> Result<Vec<NewValue>, DatasetError> {
    Ok(read_placed_values(file)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// Published values with the line each starts on (a quoted comment may span lines).
pub(crate) fn read_placed_values(
    file: &DataFile<'_>,
) -> Result<Vec<(u32, NewValue)>, DatasetError> {
    read_csv(file, |row| {
        Ok((
            u32::try_from(row.line).unwrap_or(u32::MAX),
            NewValue {
                target: row.parse("target")?,
                org: row.parse("org")?,
                period: row.parse("period")?,
                value: row.parse::<Number>("value")?,
                comment: row.opt("comment").map(str::to_string),
                source: Some(row.parse("source")?),
            },
        ))
    })
}

pub(crate) fn read_dashboard(
    file: &DataFile<'_>,
) -> Result<tiendo_domain::dashboards::Dashboard, DatasetError> {
    tiendo_domain::dashboards::Dashboard::from_file(file.text.as_bytes())
        .map_err(|e| DatasetError::in_file(file.path, e.to_string()))
}

/// Reads, checks and cross-references the whole reference dataset.
pub fn reference() -> Result<Dataset, DatasetError> {
    let mut units = read_units(&files::CENTRAL_UNITS)?;
    let provinces = read_units(&files::PROVINCES)?;
    let communes = communes::generate(&provinces)?;
    units.extend(provinces);
    units.extend(communes);
    let successions = read_successions(&files::SUCCESSIONS)?;
    let hierarchy = Hierarchy::new(units, successions)
        .map_err(|e| DatasetError::in_file(files::PROVINCES.path, e.to_string()))?;

    let documents = read_documents(&files::DOCUMENTS)?;
    let mut targets = Vec::new();
    for file in &files::TARGET_FILES {
        targets.extend(read_targets(file)?);
    }
    let mut tasks = read_tasks(&files::TASKS)?;
    let (programme, progress) = programme::read(&hierarchy, &documents)?;
    tasks.extend(programme);
    let mut values = Vec::new();
    for file in &files::VALUE_FILES {
        values.extend(read_values(file)?);
    }

    let dataset = Dataset {
        hierarchy,
        documents,
        targets,
        tasks,
        values,
        progress,
        rules: crate::validation_rules()?,
        dashboards: files::DASHBOARDS
            .iter()
            .map(read_dashboard)
            .collect::<Result<_, _>>()?,
    };
    dataset.cross_check("data")?;
    Ok(dataset)
}

/// The item a cross-reference problem is about: its kind (`document`, `target`, `task`,
/// `rule`, `dashboard`, `value`) and code, which the reader's language words.
struct Item {
    kind: &'static str,
    code: String,
}

impl Item {
    fn new(kind: &'static str, code: &str) -> Item {
        Item {
            kind,
            code: code.to_string(),
        }
    }

    /// The arguments a worded problem reads: the item, and what it names.
    fn args(&self, names: String) -> [(&'static str, String); 3] {
        [
            ("kind", self.kind.to_string()),
            ("item", self.code.clone()),
            ("names", names),
        ]
    }
}

/// A value as the item a problem is about: its target, unit and period.
fn value_item(v: &NewValue) -> Item {
    Item::new("value", &format!("{} · {} · {}", v.target, v.org, v.period))
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.code)
    }
}

impl Dataset {
    /// A dataset of `hierarchy` alone: no documents, targets, tasks or values.
    pub fn with_hierarchy(hierarchy: Hierarchy) -> Dataset {
        Dataset {
            hierarchy,
            documents: Vec::new(),
            targets: Vec::new(),
            tasks: Vec::new(),
            values: Vec::new(),
            progress: Vec::new(),
            rules: Vec::new(),
            dashboards: Vec::new(),
        }
    }

    /// Checks every cross-reference, naming the files under `root` (`data` for the files
    /// compiled in, the folder for `tiendo load`).
    pub(crate) fn cross_check(&self, root: &str) -> Result<(), DatasetError> {
        let h = &self.hierarchy;
        let dfile = format!("{root}/documents.toml");
        let tfile = format!("{root}/targets");
        let kfile = format!("{root}/tasks");
        let rfile = format!("{root}/rules");
        let vfile = format!("{root}/values");
        let bfile = format!("{root}/dashboards");
        let unit = |file: &str, what: &Item, code: &OrgCode| {
            h.get(code).map(|_| ()).ok_or_else(|| {
                DatasetError::in_file(
                    file,
                    format!("{what} names unit {code}, which is not defined"),
                )
                .coded("unknown-unit", what.args(code.to_string()))
            })
        };
        let docs: HashMap<&DocumentCode, &Document> =
            self.documents.iter().map(|d| (&d.code, d)).collect();
        let doc = |file: &str, what: &Item, code: &DocumentCode| {
            docs.get(code).copied().ok_or_else(|| {
                DatasetError::in_file(
                    file,
                    format!("{what} names document {code}, which is not defined"),
                )
                .coded("unknown-document", what.args(code.to_string()))
            })
        };
        let twice = |file: &str, what: Item| {
            DatasetError::in_file(file, format!("{what} appears twice"))
                .coded("twice", what.args(String::new()))
        };
        let no_group = |file: &str, what: &Item, group: &str, d: &DocumentCode| {
            DatasetError::in_file(
                file,
                format!("{what} names group {group}, which document {d} does not have"),
            )
            .coded("unknown-group", what.args(format!("{group} ({d})")))
        };
        let no_target = |file: &str, what: &Item, t: &TargetCode| {
            DatasetError::in_file(
                file,
                format!("{what} names target {t}, which is not defined"),
            )
            .coded("unknown-target", what.args(t.to_string()))
        };

        let mut seen = HashSet::new();
        for d in &self.documents {
            let what = Item::new("document", d.code.as_str());
            if !seen.insert(&d.code) {
                return Err(twice(&dfile, what));
            }
            if let Some(i) = &d.issuer {
                unit(&dfile, &what, i)?;
            }
            for imp in &d.implements {
                doc(&dfile, &what, imp)?;
            }
        }

        let mut target_codes = HashSet::new();
        for t in &self.targets {
            let what = Item::new("target", t.code.as_str());
            if !target_codes.insert(&t.code) {
                return Err(twice(&tfile, what));
            }
            if let Some(dc) = &t.document {
                let d = doc(&tfile, &what, dc)?;
                if let Some(g) = &t.group {
                    d.section(g)
                        .ok_or_else(|| no_group(&tfile, &what, g.as_str(), dc))?;
                }
            }
            for u in t.reporters.units.iter().chain(&t.reporters.published_by) {
                unit(&tfile, &what, u)?;
            }
        }

        for d in &self.dashboards {
            let what = Item::new("dashboard", d.code.as_str());
            unit(&bfile, &what, &d.owner)?;
            if let Some(t) = d
                .widgets
                .iter()
                .flat_map(|w| w.targets())
                .find(|t| !target_codes.contains(t))
            {
                return Err(no_target(&bfile, &what, t));
            }
        }

        let mut rule_codes = HashSet::new();
        for r in &self.rules {
            let what = Item::new("rule", &r.code);
            if !rule_codes.insert(&r.code) {
                return Err(twice(&rfile, what));
            }
            if let Some(t) = r.targets().find(|t| !target_codes.contains(t)) {
                return Err(no_target(&rfile, &what, t));
            }
        }

        let mut by_code: HashMap<&TaskCode, &Task> = HashMap::new();
        for t in &self.tasks {
            if by_code.insert(&t.code, t).is_some() {
                return Err(twice(&kfile, Item::new("task", t.code.as_str())));
            }
        }
        for t in &self.tasks {
            let what = Item::new("task", t.code.as_str());
            t.validate()
                .map_err(|e| DatasetError::in_file(&kfile, format!("{what}: {e}")))?;
            let d = doc(&kfile, &what, &t.document)?;
            if let Some(g) = &t.group {
                d.section(g)
                    .ok_or_else(|| no_group(&kfile, &what, g.as_str(), &d.code))?;
            }
            unit(&kfile, &what, &t.lead)?;
            for c in &t.coordinators {
                unit(&kfile, &what, c)?;
            }
            if let Some(tc) = t.targets.iter().find(|tc| !target_codes.contains(tc)) {
                return Err(no_target(&kfile, &what, tc));
            }
            let mut depth = 1;
            let mut parent = t.parent.as_ref();
            while let Some(p) = parent {
                depth += 1;
                let pt = by_code.get(p).ok_or_else(|| {
                    DatasetError::in_file(
                        &kfile,
                        format!("{what} names parent {p}, which is not defined"),
                    )
                    .coded("unknown-parent", what.args(p.to_string()))
                })?;
                if depth > MAX_TASK_DEPTH {
                    return Err(DatasetError::in_file(
                        &kfile,
                        format!("{what} nests deeper than {MAX_TASK_DEPTH} levels"),
                    )
                    .coded("too-deep", what.args(MAX_TASK_DEPTH.to_string())));
                }
                parent = pt.parent.as_ref();
            }
        }

        for v in &self.values {
            if !target_codes.contains(&v.target) {
                return Err(no_target(&vfile, &value_item(v), &v.target));
            }
            unit(&vfile, &value_item(v), &v.org)?;
        }
        Ok(())
    }

    /// Units of `kind` in force on `day`.
    pub fn units_of_kind(&self, kind: OrgKind, day: NaiveDate) -> impl Iterator<Item = &OrgUnit> {
        self.hierarchy.as_of(day).filter(move |u| u.kind == kind)
    }

    pub fn target(&self, code: &TargetCode) -> Option<&Target> {
        self.targets.iter().find(|t| &t.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiendo_domain::targets::Shape;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn provinces_are_63_before_the_merger_and_34_after() {
        let d = reference().unwrap();
        assert_eq!(
            d.units_of_kind(OrgKind::Province, day("2025-06-30"))
                .count(),
            63
        );
        assert_eq!(
            d.units_of_kind(OrgKind::Province, day("2025-07-01"))
                .count(),
            34
        );
        let merged_away: Vec<_> = d
            .units_of_kind(OrgKind::Province, day("2025-06-30"))
            .filter(|u| u.validity.to().is_some())
            .collect();
        assert_eq!(merged_away.len(), 52);
        for u in merged_away {
            let s = d
                .hierarchy
                .successor_of(&u.code)
                .expect("every merged unit has a successor");
            assert_eq!(s.effective, day("2025-07-01"));
        }
    }

    #[test]
    fn communes_are_3321_all_synthetic_and_under_post_merger_provinces() {
        let d = reference().unwrap();
        let at = day("2025-07-01");
        let local: Vec<_> = d
            .hierarchy
            .as_of(at)
            .filter(|u| {
                matches!(
                    u.kind,
                    OrgKind::Commune | OrgKind::Ward | OrgKind::SpecialZone
                )
            })
            .collect();
        assert_eq!(local.len(), 3321);
        assert_eq!(
            local.iter().filter(|u| u.kind == OrgKind::Ward).count(),
            687
        );
        assert_eq!(
            local
                .iter()
                .filter(|u| u.kind == OrgKind::SpecialZone)
                .count(),
            13
        );
        for u in &local {
            assert!(u.synthetic);
            let parent = d.hierarchy.get(u.parent.as_ref().unwrap()).unwrap();
            assert!(
                parent.validity.contains(at),
                "{} under {}",
                u.code,
                parent.code
            );
        }
        assert!(d
            .units_of_kind(OrgKind::Commune, day("2025-06-30"))
            .next()
            .is_none());
    }

    #[test]
    fn resolution_57_targets_have_the_published_shapes() {
        let d = reference().unwrap();
        let shape = |c: &str| d.target(&c.parse().unwrap()).unwrap().shape();
        assert_eq!(shape("T1"), Shape::Milestone);
        assert_eq!(shape("T2"), Shape::Rank);
        assert_eq!(shape("T4"), Shape::Count);
        assert_eq!(shape("T7"), Shape::Threshold);
        assert_eq!(shape("T15"), Shape::Growth);
        assert_eq!(shape("T16"), Shape::Range);
        let nq57: Vec<_> = d
            .targets
            .iter()
            .filter(|t| {
                t.document
                    .as_ref()
                    .is_some_and(|c| c.as_str() == "57-NQ/TW")
            })
            .collect();
        assert_eq!(nq57.len(), 21);
    }

    #[test]
    fn shipped_validation_rules_name_defined_targets() {
        let d = reference().unwrap();
        let rules = crate::validation_rules().unwrap();
        assert!(!rules.is_empty());
        for r in &rules {
            for t in r.targets() {
                assert!(
                    d.target(t).is_some(),
                    "rule {} reads {t}, which the dataset lacks",
                    r.code
                );
            }
        }
    }

    #[test]
    fn shipped_index_definitions_read_defined_targets() {
        use tiendo_evaluation::indices::{Definition, Index};
        let d = reference().unwrap();
        for name in crate::builtin_index_names() {
            let (path, text) = crate::builtin_index(name).unwrap();
            let def: Definition = toml::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
            let index = Index::new(def).unwrap();
            for t in index.targets() {
                assert!(
                    d.target(t).is_some(),
                    "{path} reads {t}, which the dataset lacks"
                );
            }
        }
        let (_, dti) = crate::builtin_index("dti-like").unwrap();
        let def: Definition = toml::from_str(dti).unwrap();
        let points: f64 = def
            .nodes
            .iter()
            .filter(|n| n.target.is_some())
            .map(|n| n.weight)
            .sum();
        assert_eq!(points, 1000.0);
    }

    #[test]
    fn every_fact_carries_a_source() {
        let d = reference().unwrap();
        assert!(d.hierarchy.units().iter().all(|u| u.source.is_some()));
        assert!(d.documents.iter().all(|x| x.source.is_some()));
        assert!(d.targets.iter().all(|x| x.source.is_some()));
        assert!(d.tasks.iter().all(|x| x.source.is_some()));
        assert!(d.values.iter().all(|x| x.source.is_some()));
        assert!(d.hierarchy.successions().iter().all(|x| x.source.is_some()));
    }
}
