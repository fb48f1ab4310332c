//! One conformance suite, run on SQLite always and on PostgreSQL when
//! `TIENDO_TEST_POSTGRES_URL` names a server (each test then works in a schema of its own).
//! Without it the PostgreSQL half is reported as ignored with the reason, never as passed.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDate;
use tiendo_dataset::Dataset;
use tiendo_domain::orgs::{OrgCode, OrgKind};
use tiendo_domain::targets::TargetCode;
use tiendo_domain::tasks::{Clearance, Confidentiality, Percent, ProgressUpdate, Task};
use tiendo_domain::values::{NewValue, ValueState};
use tiendo_storage::{Store, StoreError, TaskFilter, ValueFilter};

/// A store on a fresh database, and what must be cleaned up after it.
struct Fixture {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(sqlx::PgPool, String)>,
}

impl Fixture {
    async fn finish(self) {
        self.store.close().await;
        if let Some((admin, schema)) = self.schema {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&admin)
                .await
                .expect("drop test schema");
        }
    }
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiendo.db");
    Fixture {
        store: Store::open(path.to_str().unwrap()).await.unwrap(),
        _dir: Some(dir),
        schema: None,
    }
}

async fn postgres() -> Fixture {
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    static N: AtomicU32 = AtomicU32::new(0);
    let url = std::env::var("TIENDO_TEST_POSTGRES_URL").expect("TIENDO_TEST_POSTGRES_URL");
    let schema = format!(
        "tiendo_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let options: PgConnectOptions = url.parse().unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.options([("search_path", schema.as_str())]))
        .await
        .unwrap();
    Fixture {
        store: Store::from_pg_pool(pool).await.unwrap(),
        _dir: None,
        schema: Some((admin, schema)),
    }
}

/// Declares each test once per backend.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let f = super::sqlite().await;
                    super::$name(&f.store).await;
                    f.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(tiendo_pg), ignore = "skipped: TIENDO_TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    let f = super::postgres().await;
                    super::$name(&f.store).await;
                    f.finish().await;
                }
            )*
        }
    };
}

conformance!(
    migrations_are_idempotent,
    reference_dataset_round_trips,
    hierarchy_as_of_a_date,
    secret_tasks_need_clearance,
    tasks_nest_at_most_three_levels,
    task_dates_round_trip,
    import_is_all_or_nothing,
    every_change_is_kept_as_history,
    approved_values_are_locked,
    merged_units_cannot_report_after_the_merger,
    progress_updates_are_kept_in_order,
    loading_twice_is_refused_and_reset_empties,
    entries_are_written_whole_or_not_at_all,
    a_batch_of_hundreds_of_entries_is_written_whole_request_by_request,
    only_approved_values_are_official,
    the_audit_log_records_writes_and_refuses_changes,
    accounts_sessions_and_tokens,
    definitions_are_checked_and_audited,
    feedback_moves_through_its_workflow,
    notifications_are_stored_once_and_sent_once,
    reviews_name_their_version_and_need_four_eyes,
    imports_racing_approvals_lose_nothing,
    writers_of_one_value_take_turns_and_the_others_pass,
    every_write_path_applies_the_one_rule,
    values_are_paged_in_the_database,
    the_audit_chain_shows_rewritten_and_removed_entries,
    the_audit_chain_runs_in_lanes,
    a_load_during_writes_waits_its_turn,
    validation_rules_are_loaded_added_and_withdrawn,
    entry_closes_and_a_reopening_lets_one_unit_in,
    dashboards_are_saved_replaced_and_removed,
    accounts_are_added_together_or_not_at_all,
    a_strategy_folder_loads_and_loads_again_only_what_changed,
    the_readiness_probe_and_the_approval_feed_work,
    failed_sign_ins_are_counted_and_forgotten,
    a_database_that_is_no_replica_says_so,
);

/// What the feed says next, within 10 s.
async fn next_heard(feed: &mut tiendo_storage::Feed) -> tiendo_storage::Heard {
    tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
        .await
        .expect("announced within 10 s")
        .unwrap()
}

/// `/readyz` asks the database for one row; on PostgreSQL an approval is announced to every
/// server listening, at its commit.
async fn the_readiness_probe_and_the_approval_feed_work(store: &Store) {
    store.ping().await.unwrap();
    loaded(store).await;
    let mut feed = match store.feed().await.unwrap() {
        Some(feed) => feed,
        None => {
            assert!(matches!(store, Store::Sqlite(_)), "PostgreSQL has a feed");
            return;
        }
    };
    let target: TargetCode = code("HT-T1");
    let org: OrgCode = code("HA-TINH");
    let period = code("2025");
    import(store, &[value("HT-T1", "HA-TINH", "2025", 45.5)])
        .await
        .unwrap();
    let submitted = store.value_history(&target, &org, period).await.unwrap();
    let version = submitted.last().unwrap().version;
    let approved = store
        .set_value_state(
            &target,
            &org,
            period,
            version,
            ValueState::Approved,
            "van-phong",
            None,
        )
        .await
        .unwrap();
    let heard = next_heard(&mut feed).await;
    match heard {
        tiendo_storage::Heard::Approved(v) => assert_eq!(v, vec![approved]),
        other => panic!("{other:?}"),
    }
    // Approvals announced together (a reviewer's batch; a rush's hundreds a second) are heard
    // together, in the order they were approved and exactly as stored: each carried in its
    // announcement, or, when its comment and source are too long for one (the middle one:
    // 9,000 bytes of Vietnamese), read from the database by its id.
    let periods: [tiendo_domain::periods::Period; 3] = ["2026", "2027", "2028"].map(code);
    let mut values = periods.map(|p| value("HT-T1", "HA-TINH", &p.to_string(), 50.0));
    // A figure with every digit a double holds arrives exactly as stored.
    values[0].value = tiendo_domain::values::Number::new(47.795_269_883_162_916).unwrap();
    values[1].comment = Some("ệ".repeat(tiendo_domain::admissibility::MAX_COMMENT));
    values[1].source = Some("ệ".repeat(tiendo_domain::admissibility::MAX_SOURCE));
    import(store, &values).await.unwrap();
    let mut changes = Vec::new();
    for p in periods {
        let history = store.value_history(&target, &org, p).await.unwrap();
        changes.push(tiendo_storage::StateChange {
            target: target.clone(),
            org: org.clone(),
            period: p,
            version: history.last().unwrap().version,
            next: ValueState::Approved,
            author: "van-phong".into(),
            comment: None,
        });
    }
    let approved: Vec<_> = store
        .set_value_states(&changes)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut heard = Vec::new();
    while heard.len() < approved.len() {
        match next_heard(&mut feed).await {
            tiendo_storage::Heard::Approved(v) => heard.extend(v),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(heard, approved);
    // An account disabled is announced: the servers forget the tokens they keep.
    let user = tiendo_storage::NewUser {
        username: "bi-khoa".parse().unwrap(),
        display_name: "Bị khóa".into(),
        password_hash: "hash".into(),
        access: tiendo_domain::accounts::Access::Inspector,
        must_change_password: false,
    };
    store.create_user(&user, "admin").await.unwrap();
    store
        .set_user_active(&user.username, false, "admin")
        .await
        .unwrap();
    let heard = next_heard(&mut feed).await;
    assert!(
        matches!(heard, tiendo_storage::Heard::AccountsChanged),
        "{heard:?}"
    );
}

fn example_folder() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy")
}

/// Reads the example folder, plans it against the store and writes it with its values.
async fn load_folder(
    store: &Store,
    folder: tiendo_dataset::strategy::Folder,
) -> tiendo_dataset::strategy::Plan {
    let current = store.definitions().await.unwrap();
    let plan = tiendo_dataset::strategy::plan(&current, folder).unwrap();
    store
        .write_plan(
            &plan,
            &tiendo_storage::LoadBy {
                actor: "tiendo load",
                origin: Some("examples/strategy"),
                appendix_of: None,
            },
        )
        .await
        .unwrap();
    store
        .import_values(
            &plan.values,
            tiendo_storage::PUBLISHED,
            ValueState::Approved,
            &|_| {},
        )
        .await
        .unwrap();
    plan
}

/// `tiendo load`: a folder goes in over the stored hierarchy; loaded again it changes nothing;
/// a changed goal is the one change; a task closed in tiendo stays closed; a task cannot move.
async fn a_strategy_folder_loads_and_loads_again_only_what_changed(store: &Store) {
    use tiendo_dataset::strategy::read_folder;
    loaded(store).await;
    let first = load_folder(store, read_folder(&example_folder()).unwrap()).await;
    assert_eq!(
        (
            first.units.new.len(),
            first.targets.new.len(),
            first.tasks.new.len()
        ),
        (3, 3, 3)
    );
    let tasks = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap();
    let nv1 = tasks
        .iter()
        .find(|t| t.code.as_str() == "MAU-NV-1")
        .unwrap();
    assert_eq!(nv1.coordinators, vec![code::<OrgCode>("MAU-SO-KHCN")]);
    assert_eq!(nv1.targets, vec![code::<TargetCode>("MAU-CT1")]);
    let child = tasks
        .iter()
        .find(|t| t.code.as_str() == "MAU-NV-2.1")
        .unwrap();
    assert_eq!(child.parent, Some(code("MAU-NV-2")));
    let values = store
        .values(&ValueFilter {
            target: Some(code("MAU-CT1")),
            org: None,
        })
        .await
        .unwrap();
    assert_eq!(values.len(), 1);
    assert_eq!(values[0].state, ValueState::Approved);

    store
        .close_task(
            &code("MAU-NV-1"),
            tiendo_storage::TaskClosing::Completed,
            day("2026-03-01"),
            "van-phong",
        )
        .await
        .unwrap();
    let again = load_folder(store, read_folder(&example_folder()).unwrap()).await;
    assert!(again.changes_no_definition(), "{again:?}");
    assert_eq!(again.tasks.unchanged, 3);
    let nv1 = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code.as_str() == "MAU-NV-1")
        .unwrap();
    assert_eq!(
        nv1.completed_on,
        Some(day("2026-03-01")),
        "a load does not reopen a task"
    );

    let mut folder = read_folder(&example_folder()).unwrap();
    let ct1 = folder
        .targets
        .iter_mut()
        .find(|t| t.code.as_str() == "MAU-CT1")
        .unwrap();
    ct1.name_vi = "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình (sửa đổi)".into();
    let changed = load_folder(store, folder).await;
    assert_eq!(changed.targets.changed.len(), 1);
    assert_eq!(changed.targets.unchanged, 2);
    let stored = store.targets(None).await.unwrap();
    let ct1 = stored
        .iter()
        .find(|t| t.code.as_str() == "MAU-CT1")
        .unwrap();
    assert!(ct1.name_vi.ends_with("(sửa đổi)"));

    let mut folder = read_folder(&example_folder()).unwrap();
    let moved = folder
        .tasks
        .iter_mut()
        .find(|t| t.code.as_str() == "MAU-NV-2.1")
        .unwrap();
    moved.parent = Some(code("MAU-NV-1"));
    let current = store.definitions().await.unwrap();
    let e = tiendo_dataset::strategy::plan(&current, folder).unwrap_err();
    assert_eq!(e.code, "task-moved");
}

/// A list of officers is added whole or not at all, and a password change is audited.
async fn accounts_are_added_together_or_not_at_all(store: &Store) {
    use tiendo_domain::accounts::Access;
    loaded(store).await;
    let user = |name: &str| tiendo_storage::NewUser {
        username: name.parse().unwrap(),
        display_name: name.into(),
        password_hash: "hash".into(),
        access: Access::Inspector,
        must_change_password: true,
    };
    let before = store.users().await.unwrap().len();
    store.create_user(&user("da-co"), "admin").await.unwrap();
    // The second name is taken: the first is not added either.
    assert!(store
        .create_users(&[user("moi-1"), user("da-co")], "admin")
        .await
        .is_err());
    assert!(store
        .create_users(&[user("moi-1"), user("moi-1")], "admin")
        .await
        .is_err());
    assert_eq!(store.users().await.unwrap().len(), before + 1);
    store
        .create_users(&[user("moi-1"), user("moi-2")], "admin")
        .await
        .unwrap();
    assert_eq!(store.users().await.unwrap().len(), before + 3);
    let audited = store.audit_count().await.unwrap();
    let name = "moi-1".parse().unwrap();
    assert!(
        store
            .user(&name)
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
    store
        .set_password(&name, "new-hash", false, "moi-1")
        .await
        .unwrap();
    let (changed, hash) = store.credentials(&name).await.unwrap().unwrap();
    assert_eq!(hash, "new-hash");
    assert!(!changed.must_change_password, "chosen by its owner");
    assert_eq!(store.audit_count().await.unwrap(), audited + 1);
    assert!(store
        .set_password(&"khong-co".parse().unwrap(), "x", true, "admin")
        .await
        .is_err());
    // Scopes change within the role, audited; the role itself does not.
    let viewer = Access::new(
        tiendo_domain::accounts::Role::Viewer,
        None,
        Some(code("HA-TINH")),
    )
    .unwrap();
    assert!(store
        .set_user_access(&name, &viewer, "admin")
        .await
        .is_err());
    let reader = user("doc-ht");
    let reader = tiendo_storage::NewUser {
        access: Access::new(tiendo_domain::accounts::Role::Viewer, None, None).unwrap(),
        ..reader
    };
    store.create_user(&reader, "admin").await.unwrap();
    store
        .set_user_access(&reader.username, &viewer, "admin")
        .await
        .unwrap();
    let scoped = store.user(&reader.username).await.unwrap().unwrap();
    assert_eq!(
        scoped.access.view_scope().map(|c| c.as_str()),
        Some("HA-TINH")
    );
}

/// A unit's dashboard is kept as its definition: loaded with the dataset, saved, replaced under
/// its code, refused when it reads what is not defined, removed; each write audited.
async fn dashboards_are_saved_replaced_and_removed(store: &Store) {
    use tiendo_domain::dashboards::{Audience, Dashboard, Widget};
    let dataset = loaded(store).await;
    assert_eq!(store.dashboards().await.unwrap(), dataset.dashboards);
    let mut d = Dashboard {
        code: code("na-cds"),
        owner: code("NGHE-AN"),
        title_vi: "Chuyển đổi số Nghệ An".into(),
        title_en: None,
        audience: Audience::default(),
        widgets: vec![Widget::Chart {
            target: code("DTI"),
        }],
    };
    let audited = store.audit_count().await.unwrap();
    store.save_dashboard(&d, "nghe-an").await.unwrap();
    d.widgets.push(Widget::Warnings);
    store.save_dashboard(&d, "nghe-an").await.unwrap();
    assert_eq!(store.dashboard(&d.code).await.unwrap(), Some(d.clone()));
    let mut unknown = d.clone();
    unknown.widgets = vec![Widget::Chart {
        target: code("NO-SUCH"),
    }];
    assert!(store.save_dashboard(&unknown, "nghe-an").await.is_err());
    let mut nowhere = d.clone();
    nowhere.owner = code("ATLANTIS");
    assert!(store.save_dashboard(&nowhere, "nghe-an").await.is_err());
    store.remove_dashboard(&d.code, "nghe-an").await.unwrap();
    assert_eq!(store.dashboard(&d.code).await.unwrap(), None);
    assert!(store.remove_dashboard(&d.code, "nghe-an").await.is_err());
    assert_eq!(store.audit_count().await.unwrap(), audited + 3);
}

/// Entry of a period closes the stated days after it ends; a reopening lets its unit in until
/// its last day, and no other unit; it is audited and kept.
async fn entry_closes_and_a_reopening_lets_one_unit_in(store: &Store) {
    use tiendo_domain::admissibility::EntryWindow;
    loaded(store).await;
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    let late = |unit: &str, today: &str| tiendo_storage::Entry {
        window: EntryWindow {
            today: day(today),
            closes_after_days: Some(30),
        },
        ..entry("GRDP", unit, "2019", 7.0, ValueState::Draft)
    };
    // 2019 ended on 31 December; entry closed after 30 January 2020.
    let open = store
        .enter_values(&[vec![late("HA-TINH", "2020-01-30")]])
        .await
        .unwrap();
    assert_eq!(open[0], Ok(()));
    let closed = store
        .enter_values(&[vec![late("HA-TINH", "2020-02-01")]])
        .await
        .unwrap();
    let refused = closed[0].clone().unwrap_err();
    assert_eq!(refused[0].1.code(), "period_closed");
    assert_eq!(refused[0].1.field(), "period");

    let audited = store.audit_count().await.unwrap();
    let ha_tinh: tiendo_domain::orgs::OrgCode = "HA-TINH".parse().unwrap();
    let y2019 = "2019".parse().unwrap();
    assert!(
        store
            .reopen_entry(&ha_tinh, y2019, day("2020-02-07"), "  ", "office")
            .await
            .is_err(),
        "a reopening states why"
    );
    assert!(store
        .reopen_entry(
            &"NOWHERE".parse().unwrap(),
            y2019,
            day("2020-02-07"),
            "late",
            "office"
        )
        .await
        .is_err());
    store
        .reopen_entry(
            &ha_tinh,
            y2019,
            day("2020-02-07"),
            "Sở gửi bổ sung số liệu",
            "office",
        )
        .await
        .unwrap();
    assert_eq!(store.audit_count().await.unwrap(), audited + 1);
    assert_eq!(
        store.reopened_until(&ha_tinh, y2019).await.unwrap(),
        Some(day("2020-02-07"))
    );
    let mut submitted = late("HA-TINH", "2020-02-07");
    submitted.state = ValueState::Submitted;
    let outcomes = store
        .enter_values(&[
            vec![late("HA-TINH", "2020-02-08")],
            vec![submitted],
            vec![late("NGHE-AN", "2020-02-07")],
        ])
        .await
        .unwrap();
    assert_eq!(
        outcomes[0].clone().unwrap_err()[0].1.code(),
        "period_closed"
    );
    assert_eq!(
        outcomes[1],
        Ok(()),
        "reopened for Hà Tĩnh until its last day"
    );
    assert_eq!(
        outcomes[2].clone().unwrap_err()[0].1.code(),
        "period_closed"
    );
    let listed = store.reopenings(10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].org.as_str(),
            listed[0].author.as_str(),
            listed[0].reason.as_str()
        ),
        ("HA-TINH", "office", "Sở gửi bổ sung số liệu")
    );
}

async fn validation_rules_are_loaded_added_and_withdrawn(store: &Store) {
    use tiendo_domain::validation::{Side, ValidationRule};
    let dataset = loaded(store).await;
    // The dataset's rules are there once loaded.
    assert_eq!(store.validation_rules().await.unwrap(), dataset.rules);
    let rule = ValidationRule {
        code: "INDUSTRY-CAP".into(),
        name_vi: "Tỷ trọng công nghiệp không vượt quá 40% GRDP".into(),
        name_en: None,
        left: Side {
            targets: vec![code("GRDP-INDUSTRY")],
            constant: 0.0,
        },
        op: tiendo_domain::targets::Comparison::AtMost,
        right: Side {
            targets: vec![],
            constant: 40.0,
        },
        tolerance: 0.0,
        source: None,
    };
    let audited = store.audit_count().await.unwrap();
    store.add_validation_rule(&rule, "office").await.unwrap();
    assert!(store.validation_rules().await.unwrap().contains(&rule));
    // A code is used once; a rule must read targets that exist.
    assert!(store.add_validation_rule(&rule, "office").await.is_err());
    let mut unknown = rule.clone();
    unknown.code = "UNKNOWN".into();
    unknown.left.targets = vec![code("NO-SUCH-TARGET")];
    let e = store
        .add_validation_rule(&unknown, "office")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("NO-SUCH-TARGET"), "{e}");
    // Withdrawn, it is no longer in force, stays for the record, and goes once.
    store
        .withdraw_validation_rule("INDUSTRY-CAP", "office")
        .await
        .unwrap();
    assert!(!store.validation_rules().await.unwrap().contains(&rule));
    assert!(store
        .withdraw_validation_rule("INDUSTRY-CAP", "office")
        .await
        .is_err());
    assert!(store.add_validation_rule(&rule, "office").await.is_err());
    assert_eq!(store.audit_count().await.unwrap(), audited + 2);
    // Its code stays taken; codes are per kind of thing.
    use tiendo_storage::Defined;
    assert!(store
        .is_defined(Defined::Rule, "INDUSTRY-CAP")
        .await
        .unwrap());
    assert!(!store
        .is_defined(Defined::Task, "INDUSTRY-CAP")
        .await
        .unwrap());
    assert!(store
        .is_defined(Defined::Target, "GRDP-INDUSTRY")
        .await
        .unwrap());
    assert!(store.is_defined(Defined::Unit, "HA-TINH").await.unwrap());
    // Emptying the database empties the rules.
    store.reset().await.unwrap();
    assert!(store.validation_rules().await.unwrap().is_empty());
}

fn code<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dataset() -> Dataset {
    tiendo_dataset::reference().unwrap()
}

async fn loaded(store: &Store) -> Dataset {
    let d = dataset();
    store.load_dataset(&d).await.unwrap();
    d
}

/// Moves the current version of a value, naming it as a reviewer does.
async fn set_state(
    store: &Store,
    t: &TargetCode,
    o: &OrgCode,
    p: tiendo_domain::periods::Period,
    next: ValueState,
    author: &str,
    comment: Option<&str>,
) -> Result<tiendo_domain::values::DataValue, StoreError> {
    let version = store
        .value_history(t, o, p)
        .await
        .unwrap()
        .last()
        .map_or(0, |v| v.version);
    store
        .set_value_state(t, o, p, version, next, author, comment)
        .await
}

/// The codes of the first `n` communes.
async fn communes(store: &Store, n: usize) -> Vec<String> {
    store
        .hierarchy()
        .await
        .unwrap()
        .units()
        .iter()
        .filter(|u| u.kind == OrgKind::Commune)
        .take(n)
        .map(|u| u.code.to_string())
        .collect()
}

fn value(target: &str, org: &str, period: &str, v: f64) -> NewValue {
    NewValue {
        target: code(target),
        org: code(org),
        period: code(period),
        value: tiendo_domain::values::Number::new(v).unwrap(),
        comment: None,
        source: None,
    }
}

async fn import(
    store: &Store,
    values: &[NewValue],
) -> Result<tiendo_storage::ImportSummary, StoreError> {
    store
        .import_values(values, "tester", ValueState::Submitted, &|_| {})
        .await
}

async fn migrations_are_idempotent(store: &Store) {
    // Opening applied them once; applying again must change nothing and lose nothing.
    loaded(store).await;
    match store {
        Store::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await.unwrap(),
        Store::Postgres(pool) => sqlx::migrate!("migrations/postgres")
            .run(pool)
            .await
            .unwrap(),
    }
    assert!(!store.is_empty().await.unwrap());
}

async fn reference_dataset_round_trips(store: &Store) {
    let d = loaded(store).await;
    let docs = store.documents().await.unwrap();
    assert_eq!(docs.len(), d.documents.len());
    let nq03 = docs.iter().find(|x| x.code.as_str() == "03/NQ-CP").unwrap();
    assert_eq!(nq03.implements, vec![code("57-NQ/TW")]);
    assert_eq!(nq03.sections.len(), 7);
    let targets = store.targets(Some(&code("57-NQ/TW"))).await.unwrap();
    let want: Vec<_> = d
        .targets
        .iter()
        .filter(|t| t.document == Some(code("57-NQ/TW")))
        .cloned()
        .collect();
    assert_eq!(targets, want, "targets come back exactly as loaded");
    assert_eq!(targets.len(), 21);
    let all_tasks = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap();
    let mut want_tasks = d.tasks.clone();
    want_tasks.sort_by(|a, b| a.code.cmp(&b.code));
    let mut got_tasks = all_tasks.clone();
    got_tasks.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(got_tasks, want_tasks, "tasks come back exactly as loaded");
    let values = store.values(&ValueFilter::default()).await.unwrap();
    assert_eq!(values.len(), d.values.len());
    let hn = store
        .values(&ValueFilter {
            target: Some(code("DTI")),
            org: Some(code("HA-NOI")),
        })
        .await
        .unwrap();
    assert_eq!(hn.len(), 1);
    assert_eq!(hn[0].value.get(), 0.8241);
    assert_eq!(hn[0].state, ValueState::Approved);
}

async fn hierarchy_as_of_a_date(store: &Store) {
    loaded(store).await;
    let h = store.hierarchy().await.unwrap();
    let provinces = |d: &str| {
        h.as_of(day(d))
            .filter(|u| u.kind == OrgKind::Province)
            .count()
    };
    assert_eq!(provinces("2025-06-30"), 63);
    assert_eq!(provinces("2025-07-01"), 34);
    let s = h.successor_of(&code("HA-GIANG")).unwrap();
    assert_eq!(s.successor.as_str(), "TUYEN-QUANG");
    assert_eq!(s.effective, day("2025-07-01"));
    let communes = h.as_of(day("2025-07-01")).filter(|u| u.synthetic).count();
    assert_eq!(communes, 3321);
    assert!(h.is_within(&code("HA-TINH-X001"), &code("VN")));
}

fn task(code_: &str, parent: Option<&str>, c: Confidentiality) -> Task {
    Task {
        code: code(code_),
        document: code("03/NQ-CP"),
        group: Some(code("TG5")),
        parent: parent.map(code),
        title_vi: format!("task {code_}"),
        title_en: None,
        lead: code("MOST"),
        coordinators: vec![code("MPS")],
        start: Some(day("2025-01-09")),
        deadline: Some(day("2025-12-31")),
        as_published: Default::default(),
        completed_on: None,
        cancelled_on: None,
        expected_product: None,
        targets: vec![code("T8")],
        confidentiality: c,
        source: None,
    }
}

async fn secret_tasks_need_clearance(store: &Store) {
    loaded(store).await;
    store
        .add_task(&task("X-PUB", None, Confidentiality::Public), "tester")
        .await
        .unwrap();
    store
        .add_task(&task("X-INT", None, Confidentiality::Internal), "tester")
        .await
        .unwrap();
    store
        .add_task(&task("X-SEC", None, Confidentiality::Secret), "tester")
        .await
        .unwrap();
    let codes = |tasks: Vec<Task>| -> Vec<String> {
        tasks
            .into_iter()
            .filter(|t| t.code.as_str().starts_with("X-"))
            .map(|t| t.code.to_string())
            .collect()
    };
    let by = |c| TaskFilter {
        clearance: c,
        document: Some(code("03/NQ-CP")),
        org: None,
    };
    assert_eq!(
        codes(store.tasks(&by(Clearance::Public)).await.unwrap()),
        ["X-PUB"]
    );
    assert_eq!(
        codes(store.tasks(&by(Clearance::Internal)).await.unwrap()),
        ["X-PUB", "X-INT"]
    );
    assert_eq!(
        codes(store.tasks(&by(Clearance::Secret)).await.unwrap()),
        ["X-PUB", "X-INT", "X-SEC"]
    );
    // A coordinating unit finds the tasks it coordinates.
    let coordinated = store
        .tasks(&TaskFilter {
            clearance: Clearance::Internal,
            document: None,
            org: Some(code("MPS")),
        })
        .await
        .unwrap();
    assert_eq!(codes(coordinated), ["X-PUB", "X-INT"]);
    // One task by its code: whole, with its links, and only within the clearance.
    let one = store
        .task(&code("X-INT"), Clearance::Internal)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one, task("X-INT", None, Confidentiality::Internal));
    assert_eq!(
        store.task(&code("X-INT"), Clearance::Public).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .task(&code("X-NONE"), Clearance::Secret)
            .await
            .unwrap(),
        None
    );
}

async fn tasks_nest_at_most_three_levels(store: &Store) {
    loaded(store).await;
    store
        .add_task(&task("L1", None, Confidentiality::Public), "tester")
        .await
        .unwrap();
    store
        .add_task(&task("L2", Some("L1"), Confidentiality::Public), "tester")
        .await
        .unwrap();
    store
        .add_task(&task("L3", Some("L2"), Confidentiality::Public), "tester")
        .await
        .unwrap();
    let e = store
        .add_task(&task("L4", Some("L3"), Confidentiality::Public), "tester")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at most 3 levels"), "{e}");
    let mut bad = task("BAD", None, Confidentiality::Public);
    bad.coordinators = vec![code("NO-SUCH-UNIT")];
    let e = store.add_task(&bad, "tester").await.unwrap_err();
    assert!(e.to_string().contains("NO-SUCH-UNIT"), "{e}");
    let all = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap();
    assert!(all
        .iter()
        .all(|t| t.code.as_str() != "L4" && t.code.as_str() != "BAD"));
}

async fn task_dates_round_trip(store: &Store) {
    loaded(store).await;
    let mut cancelled = task("CANCELLED", None, Confidentiality::Public);
    cancelled.cancelled_on = Some(day("2025-03-01"));
    let mut done = task("DONE", None, Confidentiality::Public);
    done.completed_on = Some(day("2025-06-30"));
    store.add_task(&cancelled, "tester").await.unwrap();
    store.add_task(&done, "tester").await.unwrap();
    let all = store
        .tasks(&TaskFilter::all(Clearance::Internal))
        .await
        .unwrap();
    let got = |c: &str| all.iter().find(|t| t.code.as_str() == c).unwrap().clone();
    assert_eq!(got("CANCELLED"), cancelled);
    assert_eq!(got("DONE"), done);
    let mut both = task("BOTH", None, Confidentiality::Public);
    both.completed_on = Some(day("2025-06-30"));
    both.cancelled_on = Some(day("2025-03-01"));
    assert!(store.add_task(&both, "tester").await.is_err());
}

async fn import_is_all_or_nothing(store: &Store) {
    loaded(store).await;
    let before = store.values(&ValueFilter::default()).await.unwrap().len();
    let mut rows: Vec<NewValue> = (1..=4)
        .map(|q| value("HT-T3", "HA-TINH", &format!("2024Q{q}"), 50.0 + q as f64))
        .collect();
    rows.push(value("NOPE", "HA-TINH", "2025Q1", 1.0));
    let e = import(store, &rows).await.unwrap_err();
    let StoreError::Rejected(problems) = e else {
        panic!("{e}")
    };
    assert_eq!(problems.len(), 1);
    // Rows count from 1, as every reader shows them: the fifth row given.
    assert_eq!(problems[0].row, 5);
    assert_eq!(problems[0].field, "target");
    assert!(problems[0].message.contains("NOPE"));
    assert_eq!(
        store.values(&ValueFilter::default()).await.unwrap().len(),
        before
    );
    // A key given twice is refused too.
    let twice = vec![
        value("HT-T4", "HA-TINH", "2025Q1", 1.0),
        value("HT-T4", "HA-TINH", "2025Q1", 2.0),
    ];
    let StoreError::Rejected(p) = import(store, &twice).await.unwrap_err() else {
        panic!()
    };
    assert!(p[0].message.contains("twice"), "{}", p[0].message);
    // A unit that does not report the target is refused.
    let StoreError::Rejected(p) = import(store, &[value("HT-T4", "NGHE-AN", "2025Q1", 1.0)])
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert!(p[0].message.contains("does not report"), "{}", p[0].message);
    assert_eq!(
        store.values(&ValueFilter::default()).await.unwrap().len(),
        before
    );
}

async fn every_change_is_kept_as_history(store: &Store) {
    loaded(store).await;
    // A draft can be replaced by an import; a submission cannot until it is returned.
    let s = store
        .import_values(
            &[value("HT-T4", "HA-TINH", "2025Q1", 61.0)],
            "tester",
            ValueState::Draft,
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (1, 0, 0));
    let s = import(store, &[value("HT-T4", "HA-TINH", "2025Q1", 62.5)])
        .await
        .unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (0, 1, 0));
    let s = import(store, &[value("HT-T4", "HA-TINH", "2025Q1", 62.5)])
        .await
        .unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (0, 0, 1));
    let (t, o): (TargetCode, OrgCode) = (code("HT-T4"), code("HA-TINH"));
    let history = store.value_history(&t, &o, code("2025Q1")).await.unwrap();
    let vs: Vec<f64> = history.iter().map(|v| v.value.get()).collect();
    assert_eq!(vs, [61.0, 62.5]);
    let current = store
        .values(&ValueFilter {
            target: Some(t.clone()),
            org: None,
        })
        .await
        .unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].value.get(), 62.5);
    assert!(
        !store.current_series().await.unwrap().contains_key(&t),
        "a submitted value is not yet official"
    );
    let series = store.current_series().await.unwrap();
    assert_eq!(
        series[&code::<TargetCode>("DTI")][&code::<OrgCode>("HA-NOI")],
        vec![(code("2024"), 0.8241)]
    );
    // A file-sized import compares target by target: one changed row among a hundred.
    let communes = communes(store, 100).await;
    let mut rows: Vec<NewValue> = communes
        .iter()
        .map(|c| value("HT-T3", c, "2025Q3", 40.0))
        .collect();
    let drafts = |rows: Vec<NewValue>| async move {
        store
            .import_values(&rows, "tester", ValueState::Draft, &|_| {})
            .await
            .unwrap()
    };
    let s = drafts(rows.clone()).await;
    assert_eq!((s.imported, s.updated, s.ignored), (100, 0, 0));
    rows[42] = value("HT-T3", &communes[42], "2025Q3", 41.0);
    let s = drafts(rows.clone()).await;
    assert_eq!((s.imported, s.updated, s.ignored), (0, 1, 99));
    // Submitted, the rows are under review: a later import changes none of them.
    let mut rows: Vec<NewValue> = communes
        .iter()
        .map(|c| value("HT-T3", c, "2025Q3", 50.0))
        .collect();
    let s = import(store, &rows).await.unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (0, 100, 0));
    rows[7] = value("HT-T3", &communes[7], "2025Q3", 47.0);
    let s = import(store, &rows).await.unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (0, 0, 100));
    assert_eq!(s.conflicts.len(), 1);
    assert_eq!(
        (s.conflicts[0].row, s.conflicts[0].code),
        (8, "awaiting_review")
    );
    // A state change is a new version too, and the old ones stay.
    set_state(
        store,
        &t,
        &o,
        code("2025Q1"),
        ValueState::Returned,
        "supervisor",
        Some("check the source"),
    )
    .await
    .unwrap();
    let history = store.value_history(&t, &o, code("2025Q1")).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].state, ValueState::Returned);
    assert_eq!(history[2].comment.as_deref(), Some("check the source"));
    assert_eq!(history[1].state, ValueState::Submitted);
    // The reporter is owed the reason until the value is submitted again.
    let owed = store.returned_values(10).await.unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(
        (owed[0].period, owed[0].comment.as_deref()),
        (code("2025Q1"), Some("check the source"))
    );
}

async fn approved_values_are_locked(store: &Store) {
    loaded(store).await;
    let (t, o): (TargetCode, OrgCode) = (code("HT-T4"), code("HA-TINH"));
    import(store, &[value("HT-T4", "HA-TINH", "2025Q2", 70.0)])
        .await
        .unwrap();
    let e = set_state(store, &t, &o, code("2025Q2"), ValueState::Draft, "x", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot become draft"), "{e}");
    set_state(
        store,
        &t,
        &o,
        code("2025Q2"),
        ValueState::Approved,
        "supervisor",
        None,
    )
    .await
    .unwrap();
    // An import does not replace an approved value: the row is ignored with a conflict.
    let s = import(store, &[value("HT-T4", "HA-TINH", "2025Q2", 71.0)])
        .await
        .unwrap();
    assert_eq!((s.imported, s.updated, s.ignored), (0, 0, 1));
    let p = &s.conflicts;
    assert!(
        p[0].message.contains("approved and locked"),
        "{}",
        p[0].message
    );
    assert_eq!(p[0].code, "value_locked");
    let history = store.value_history(&t, &o, code("2025Q2")).await.unwrap();
    assert_eq!(history.last().unwrap().value.get(), 70.0);
    let e = set_state(
        store,
        &t,
        &o,
        code("2025Q2"),
        ValueState::Returned,
        "x",
        Some("why"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("approved"), "{e}");
}

async fn merged_units_cannot_report_after_the_merger(store: &Store) {
    loaded(store).await;
    import(store, &[value("DTI", "HA-GIANG", "2024", 0.61)])
        .await
        .unwrap();
    let StoreError::Rejected(p) = import(store, &[value("DTI", "HA-GIANG", "2025Q4", 0.6)])
        .await
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(p[0].field, "period");
    assert!(
        p[0].message.contains("ceased on 2025-06-30"),
        "{}",
        p[0].message
    );
}

async fn progress_updates_are_kept_in_order(store: &Store) {
    loaded(store).await;
    let t: tiendo_domain::tasks::TaskCode = code("MPS-MOST-2");
    for (d, pct) in [("2025-03-31", 20), ("2025-06-30", 45)] {
        store
            .add_progress(&ProgressUpdate {
                task: t.clone(),
                reported_on: day(d),
                percent_complete: Percent::new(pct).unwrap(),
                narrative: format!("{pct}% done"),
                difficulties: Some("waiting for the decree".into()),
                recommendations: None,
                evidence: vec!["https://example.org/report.pdf".into()],
                author: "c06".into(),
                recorded_at: None,
            })
            .await
            .unwrap();
    }
    let last = store.last_progress_dates().await.unwrap();
    assert_eq!(last.get(&t), Some(&day("2025-06-30")));
    // The reference dataset brings the completions its published report states.
    let published = tiendo_dataset::reference().unwrap().progress.len();
    assert_eq!(last.len(), 1 + published);
    let updates = store.progress(&t).await.unwrap();
    let pcts: Vec<u8> = updates.iter().map(|u| u.percent_complete.get()).collect();
    assert_eq!(pcts, [20, 45]);
    assert_eq!(updates[1].evidence, ["https://example.org/report.pdf"]);
    assert!(updates[0].recorded_at.is_some());
    let missing = ProgressUpdate {
        task: code("NO-TASK"),
        ..updates[0].clone()
    };
    assert!(store.add_progress(&missing).await.is_err());
}

async fn loading_twice_is_refused_and_reset_empties(store: &Store) {
    assert!(store.is_empty().await.unwrap());
    let d = loaded(store).await;
    let e = store.load_dataset(&d).await.unwrap_err();
    assert!(e.to_string().contains("already holds data"), "{e}");
    store.reset().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    assert!(store
        .values(&ValueFilter::default())
        .await
        .unwrap()
        .is_empty());
    store.load_dataset(&d).await.unwrap();
    assert!(!store.is_empty().await.unwrap());
}

fn entry(
    target: &str,
    org: &str,
    period: &str,
    v: f64,
    state: ValueState,
) -> tiendo_storage::Entry {
    tiendo_storage::Entry {
        value: value(target, org, period, v),
        state,
        author: "reporter".into(),
        window: tiendo_domain::admissibility::EntryWindow::never_closes(chrono::NaiveDate::MIN),
    }
}

/// A deadline's batch: one large request and hundreds of single ones share a transaction (about
/// 7,000 bound parameters), each request still whole or refused on its own.
async fn a_batch_of_hundreds_of_entries_is_written_whole_request_by_request(store: &Store) {
    loaded(store).await;
    let audit_before = store.audit_count().await.unwrap();
    let quarter = |y: i32, q: i32| format!("{y}Q{q}");
    let large: Vec<tiendo_storage::Entry> = (1950..2100)
        .flat_map(|y| (1..=4).map(move |q| (y, q)))
        .map(|(y, q)| {
            entry(
                "HT-T4",
                "HA-TINH",
                &quarter(y, q),
                (y % 100) as f64,
                ValueState::Draft,
            )
        })
        .collect();
    let mut requests = vec![large];
    for y in 1900..1950 {
        for q in 1..=4 {
            let v = q as f64;
            requests.push(vec![entry(
                "HT-T4",
                "HA-TINH",
                &quarter(y, q),
                v,
                ValueState::Submitted,
            )]);
        }
    }
    requests.push(vec![
        entry("HT-T4", "HA-TINH", "2100Q1", 1.0, ValueState::Draft),
        entry("HT-T4", "NO-SUCH-UNIT", "2100Q1", 1.0, ValueState::Draft),
    ]);
    let outcomes = store.enter_values(&requests).await.unwrap();
    assert_eq!(outcomes.len(), 202);
    let refused: Vec<_> = outcomes[..201].iter().filter(|o| o.is_err()).collect();
    assert!(refused.is_empty(), "{:?}", refused.first());
    assert_eq!(outcomes[201].clone().unwrap_err()[0].0, 1);
    let stored = store
        .values(&ValueFilter {
            target: Some(code("HT-T4")),
            org: Some(code("HA-TINH")),
        })
        .await
        .unwrap();
    let value_of = |p: &str| {
        let p: tiendo_domain::periods::Period = code(p);
        stored
            .iter()
            .find(|v| v.period == p)
            .map(|v| (v.value.get(), v.state))
    };
    assert_eq!(value_of("1950Q1"), Some((50.0, ValueState::Draft)));
    assert_eq!(value_of("2099Q4"), Some((99.0, ValueState::Draft)));
    assert_eq!(value_of("1900Q1"), Some((1.0, ValueState::Submitted)));
    assert_eq!(value_of("1949Q4"), Some((4.0, ValueState::Submitted)));
    assert_eq!(value_of("2100Q1"), None);
    assert_eq!(store.audit_count().await.unwrap(), audit_before + 800);
    assert_eq!(store.verify_audit().await.unwrap().broken, None);
}

async fn entries_are_written_whole_or_not_at_all(store: &Store) {
    loaded(store).await;
    let audit_before = store.audit_count().await.unwrap();
    let ok = vec![
        entry("HT-T4", "HA-TINH", "2025Q3", 10.0, ValueState::Draft),
        entry("HT-T4", "HA-TINH", "2025Q4", 11.0, ValueState::Submitted),
    ];
    // The second entry of this request names a unit that does not exist: nothing of it lands.
    let bad = vec![
        entry("HT-T4", "HA-TINH", "2026Q1", 12.0, ValueState::Submitted),
        entry(
            "HT-T4",
            "NO-SUCH-UNIT",
            "2026Q1",
            12.0,
            ValueState::Submitted,
        ),
    ];
    let outcomes = store.enter_values(&[ok, bad]).await.unwrap();
    assert_eq!(outcomes[0], Ok(()));
    let refused = outcomes[1].clone().unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, 1);
    assert_eq!(refused[0].1.field(), "org");
    let t: TargetCode = code("HT-T4");
    let o: OrgCode = code("HA-TINH");
    assert!(store
        .value_history(&t, &o, code("2026Q1"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.audit_count().await.unwrap(), audit_before + 2);
    // A submitted value awaits review and cannot be overwritten; once returned it can.
    let again = store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q4",
            12.0,
            ValueState::Draft,
        )]])
        .await
        .unwrap();
    assert!(again[0].as_ref().unwrap_err()[0]
        .1
        .to_string()
        .contains("awaiting approval"));
    set_state(
        store,
        &t,
        &o,
        code("2025Q4"),
        ValueState::Returned,
        "supervisor",
        Some("check"),
    )
    .await
    .unwrap();
    let again = store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q4",
            12.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    assert_eq!(again[0], Ok(()));
    // A return needs a reason; an approval locks.
    let e = set_state(
        store,
        &t,
        &o,
        code("2025Q4"),
        ValueState::Returned,
        "supervisor",
        Some("  "),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("reason"), "{e}");
    set_state(
        store,
        &t,
        &o,
        code("2025Q4"),
        ValueState::Approved,
        "supervisor",
        None,
    )
    .await
    .unwrap();
    let locked = store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q4",
            13.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    assert!(locked[0].as_ref().unwrap_err()[0]
        .1
        .to_string()
        .contains("locked"));
    let queue = store.submitted_values(100).await.unwrap();
    assert!(queue.iter().all(|v| v.period != code("2025Q4")));
}

async fn only_approved_values_are_official(store: &Store) {
    loaded(store).await;
    let t: TargetCode = code("HT-T4");
    let o: OrgCode = code("HA-TINH");
    let series = |m: &tiendo_domain::values::SeriesMap| {
        m.get(&t)
            .and_then(|u| u.get(&o))
            .map(|s| s.iter().any(|(p, _)| *p == code("2025Q3")))
    };
    store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q3",
            55.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    assert_ne!(series(&store.current_series().await.unwrap()), Some(true));
    let published = |values: Vec<tiendo_domain::values::DataValue>| {
        values
            .iter()
            .filter(|v| v.org == o && v.period == code("2025Q3"))
            .map(|v| v.value.get())
            .collect::<Vec<_>>()
    };
    assert!(published(store.published_values(&t).await.unwrap()).is_empty());
    set_state(
        store,
        &t,
        &o,
        code("2025Q3"),
        ValueState::Approved,
        "supervisor",
        None,
    )
    .await
    .unwrap();
    assert_eq!(series(&store.current_series().await.unwrap()), Some(true));
    // A target provinces report: one approved value, one submitted, read in unit order.
    let grdp: TargetCode = code("GRDP");
    for (unit, approve) in [("NGHE-AN", true), ("HA-NOI", false), ("AN-GIANG", true)] {
        let outcome = store
            .enter_values(&[vec![entry(
                "GRDP",
                unit,
                "2024",
                60.0,
                ValueState::Submitted,
            )]])
            .await
            .unwrap();
        assert_eq!(outcome[0], Ok(()), "{unit}");
        if approve {
            set_state(
                store,
                &grdp,
                &code(unit),
                code("2024"),
                ValueState::Approved,
                "supervisor",
                None,
            )
            .await
            .unwrap();
        }
    }
    let provinces = store.published_values(&grdp).await.unwrap();
    let of_2024: Vec<&str> = provinces
        .iter()
        .filter(|v| v.period == code("2024"))
        .map(|v| v.org.as_str())
        .collect();
    // Hà Tĩnh's is the dataset's own published figure; Hà Nội's waits for review.
    assert_eq!(
        of_2024,
        ["AN-GIANG", "HA-TINH", "NGHE-AN"],
        "approved ones only, by unit"
    );
    assert!(provinces
        .windows(2)
        .all(|w| (&w[0].org, w[0].period) < (&w[1].org, w[1].period)));
    // The open-data file's read: the target's approved current values.
    let all = store.published_values(&t).await.unwrap();
    assert_eq!(published(all.clone()), [55.0]);
    assert!(all
        .iter()
        .all(|v| v.target == t && v.state == ValueState::Approved));
    assert!(provinces.iter().all(|v| v.target == grdp));
    // The latest approvals, newest first: the provinces' GRDP, then Hà Tĩnh's HT-T4.
    let recent = store.recently_approved(3).await.unwrap();
    assert_eq!(
        (
            recent[2].target.as_str(),
            recent[2].value.get(),
            recent[2].author.as_str()
        ),
        ("HT-T4", 55.0, "supervisor")
    );
}

async fn the_audit_log_records_writes_and_refuses_changes(store: &Store) {
    loaded(store).await;
    store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q3",
            5.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    set_state(
        store,
        &code("HT-T4"),
        &code("HA-TINH"),
        code("2025Q3"),
        ValueState::Approved,
        "boss",
        None,
    )
    .await
    .unwrap();
    let log = store
        .audit_log(Some("value HT-T4/HA-TINH/2025Q3"), 10, 0)
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].action.as_str(), log[0].actor.as_str()),
        ("value.approve", "boss")
    );
    assert_eq!(log[0].before.as_ref().unwrap()["state"], "submitted");
    assert_eq!(log[0].after.as_ref().unwrap()["state"], "approved");
    assert_eq!(log[1].action, "value.submit");
    assert!(log[1].before.is_none());
    // Neither an UPDATE nor a DELETE can change the log, whoever runs it.
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let refused = behind_tiendos_back(store, sql).await.is_err();
        assert!(refused, "{sql} was allowed");
    }
    // The dataset's load is one import entry, then the submission and the approval.
    let all = store.audit_log(None, 100, 0).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].action, "values.import");
    assert!(all[2].after.as_ref().unwrap()["imported"].as_u64().unwrap() > 0);
    // A reset of the data keeps the log.
    store.reset().await.unwrap();
    assert_eq!(store.audit_count().await.unwrap(), 3);
}

/// Runs `sql` as whoever has the database in hand, not through tiendo.
async fn behind_tiendos_back(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    match store {
        Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
}

async fn the_audit_chain_shows_rewritten_and_removed_entries(store: &Store) {
    use tiendo_storage::BreakReason;
    loaded(store).await;
    for (period, v) in [("2025Q1", 5.0), ("2025Q2", 6.0), ("2025Q3", 7.0)] {
        store
            .enter_values(&[vec![entry(
                "HT-T4",
                "HA-TINH",
                period,
                v,
                ValueState::Submitted,
            )]])
            .await
            .unwrap();
        set_state(
            store,
            &code("HT-T4"),
            &code("HA-TINH"),
            code(period),
            ValueState::Approved,
            "boss",
            None,
        )
        .await
        .unwrap();
    }
    let whole = store.verify_audit().await.unwrap();
    assert_eq!(whole.broken, None);
    assert_eq!(whole.checked, store.audit_count().await.unwrap() as u64);
    assert_eq!(whole.length, whole.checked);
    assert!(whole.heads.iter().all(|h| h.hash.len() == 64), "{whole:?}");

    // TRUNCATE is refused on PostgreSQL, where row triggers do not see it.
    if matches!(store, Store::Postgres(_)) {
        for table in ["audit_log", "data_values"] {
            let e = behind_tiendos_back(store, &format!("TRUNCATE {table} CASCADE")).await;
            assert!(e.is_err(), "TRUNCATE {table} was allowed");
        }
    }

    // Someone with the database file drops the guards and rewrites an entry.
    let guards_off = match store {
        Store::Sqlite(_) => vec![
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        Store::Postgres(_) => vec!["ALTER TABLE audit_log DISABLE TRIGGER USER"],
    };
    for sql in guards_off {
        behind_tiendos_back(store, sql).await.unwrap();
    }
    let entries = store.audit_log(None, 100, 0).await.unwrap();
    let (newest, middle) = (entries[0].id, entries[2].id);
    let actor = entries[2].actor.clone();
    behind_tiendos_back(
        store,
        &format!("UPDATE audit_log SET actor = 'someone else' WHERE id = {middle}"),
    )
    .await
    .unwrap();
    let state = store.verify_audit().await.unwrap();
    let broken = state.broken.unwrap();
    assert_eq!(
        (broken.entry, broken.reason),
        (Some(middle), BreakReason::Rewritten)
    );
    assert!(
        broken.to_string().contains(&format!("entry {middle}")),
        "{broken}"
    );
    behind_tiendos_back(
        store,
        &format!("UPDATE audit_log SET actor = '{actor}' WHERE id = {middle}"),
    )
    .await
    .unwrap();
    assert_eq!(store.verify_audit().await.unwrap().broken, None, "restored");

    // Removing the newest entry shows at the head; removing one inside, at the next entry.
    behind_tiendos_back(store, &format!("DELETE FROM audit_log WHERE id = {newest}"))
        .await
        .unwrap();
    let broken = store.verify_audit().await.unwrap().broken.unwrap();
    assert_eq!(broken.reason, BreakReason::Truncated);
    behind_tiendos_back(store, &format!("DELETE FROM audit_log WHERE id = {middle}"))
        .await
        .unwrap();
    let broken = store.verify_audit().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.entry, broken.reason),
        (Some(entries[1].id), BreakReason::Relinked)
    );
}

/// A primary is no replica: no lag, and it has always replayed its own log; SQLite has no log
/// position at all. (A real replica is set up by hand in docs/operations.md.)
async fn a_database_that_is_no_replica_says_so(store: &Store) {
    assert_eq!(store.replica_lag().await.unwrap(), None);
    match store.log_position().await.unwrap() {
        Some(position) => {
            assert!(position.contains('/'), "{position}");
            assert!(store.replayed(&position).await.unwrap());
        }
        None => assert!(matches!(store, Store::Sqlite(_)), "only SQLite has no log"),
    }
}

/// Failed sign-ins add up per subject, start again after a quiet spell, and are forgotten
/// when their owner signs in or when they have gone quiet, so invented names are not kept.
async fn failed_sign_ins_are_counted_and_forgotten(store: &Store) {
    let t0 = chrono::Utc::now();
    let quiet = chrono::Duration::minutes(15);
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
    for m in 0..3 {
        store
            .count_login_failure(&["pair a b", "address a"], at(m), at(m) - quiet)
            .await
            .unwrap();
    }
    let count = |subject: &'static str| async move {
        store
            .login_failures(subject)
            .await
            .unwrap()
            .map(|f| f.count)
    };
    let pair = store.login_failures("pair a b").await.unwrap().unwrap();
    assert_eq!(pair.count, 3);
    assert_eq!(pair.last_at.timestamp(), at(2).timestamp());
    assert_eq!(count("address a").await, Some(3));
    assert_eq!(count("pair a c").await, None);

    store.forget_login_failures("pair a b").await.unwrap();
    assert_eq!(count("pair a b").await, None);
    assert_eq!(count("address a").await, Some(3));

    // Half an hour later another failure starts afresh, and the quiet subjects are gone.
    store
        .count_login_failure(&["pair x y"], at(40), at(40) - quiet)
        .await
        .unwrap();
    assert_eq!(count("address a").await, None);
    store
        .count_login_failure(&["pair x y", "address a"], at(41), at(41) - quiet)
        .await
        .unwrap();
    assert_eq!(count("pair x y").await, Some(2));
    assert_eq!(count("address a").await, Some(1));
}

async fn accounts_sessions_and_tokens(store: &Store) {
    use tiendo_domain::accounts::{Access, Role};
    loaded(store).await;
    let new = tiendo_storage::NewUser {
        username: code("Ha-Tinh"),
        display_name: "Cán bộ Hà Tĩnh".into(),
        password_hash: "$argon2id$stub".into(),
        access: Access::new(Role::Reporter, Some(code("HA-TINH")), None).unwrap(),
        must_change_password: false,
    };
    let user = store.create_user(&new, "admin").await.unwrap();
    assert_eq!(user.username.as_str(), "ha-tinh");
    assert_eq!(user.access.capture_scope().unwrap().as_str(), "HA-TINH");
    let e = store.create_user(&new, "admin").await.unwrap_err();
    assert!(e.to_string().contains("taken"), "{e}");
    let (found, hash) = store.credentials(&code("ha-tinh")).await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (user.id, "$argon2id$stub"));

    let now = chrono::Utc::now();
    store
        .create_session(&user, "s1", "csrf1", now + chrono::Duration::hours(1))
        .await
        .unwrap();
    store
        .create_session(&user, "old", "csrf0", now - chrono::Duration::hours(1))
        .await
        .unwrap();
    let (u, csrf) = store.session("s1", now).await.unwrap().unwrap();
    assert_eq!((u.id, csrf.as_str()), (user.id, "csrf1"));
    assert!(
        store.session("old", now).await.unwrap().is_none(),
        "expired"
    );
    store
        .create_api_token(&user, "uploader", "t1", "ha-tinh")
        .await
        .unwrap();
    assert_eq!(store.token_user("t1").await.unwrap().unwrap().id, user.id);
    assert!(store.token_user("t2").await.unwrap().is_none());
    store
        .create_api_token(&user, "old uploader", "abcdef0123456789", "ha-tinh")
        .await
        .unwrap();
    let listed = store.api_tokens(&user).await.unwrap();
    assert_eq!(listed.len(), 2);
    store
        .revoke_api_token(&user, "abcdef012345", "ha-tinh")
        .await
        .unwrap();
    assert!(store
        .token_user("abcdef0123456789")
        .await
        .unwrap()
        .is_none());
    assert!(
        store
            .revoke_api_token(&user, "abcdef012345", "ha-tinh")
            .await
            .is_err(),
        "once"
    );
    assert!(
        store.revoke_api_token(&user, "%", "ha-tinh").await.is_err(),
        "no wildcards"
    );

    store
        .set_user_active(&code("ha-tinh"), false, "admin")
        .await
        .unwrap();
    assert!(
        store.session("s1", now).await.unwrap().is_none(),
        "sessions end"
    );
    assert!(
        store.token_user("t1").await.unwrap().is_none(),
        "tokens stop"
    );
    store
        .set_user_active(&code("ha-tinh"), true, "admin")
        .await
        .unwrap();
    assert!(
        store.token_user("t1").await.unwrap().is_none(),
        "reactivation does not bring old tokens back"
    );
    let actions: Vec<String> = store
        .audit_log(Some("user ha-tinh"), 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "user.activate",
            "user.deactivate",
            "token.revoke",
            "token.create",
            "token.create",
            "user.create"
        ]
    );
}

async fn definitions_are_checked_and_audited(store: &Store) {
    use tiendo_domain::orgs::{OrgUnit, Validity};
    use tiendo_storage::TaskClosing;
    loaded(store).await;
    let unit = OrgUnit {
        code: code("HA-TINH-NEW"),
        kind: OrgKind::Commune,
        name_vi: "Xã Mới".into(),
        name_en: "New commune".into(),
        parent: Some(code("HA-TINH")),
        validity: Validity::new(Some(day("2026-01-01")), None).unwrap(),
        synthetic: false,
        source: None,
    };
    store.add_unit(&unit, "office").await.unwrap();
    let e = store.add_unit(&unit, "office").await.unwrap_err();
    assert!(e.to_string().starts_with("code:"), "{e}");
    let orphan = OrgUnit {
        code: code("X-1"),
        parent: Some(code("ATLANTIS")),
        ..unit.clone()
    };
    assert!(store
        .add_unit(&orphan, "office")
        .await
        .unwrap_err()
        .to_string()
        .starts_with("parent:"));
    let e = store
        .end_unit(&code("HA-TINH-NEW"), day("2025-12-31"), "office")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("before the unit began"), "{e}");
    store
        .end_unit(&code("HA-TINH-NEW"), day("2026-12-31"), "office")
        .await
        .unwrap();
    let h = store.hierarchy().await.unwrap();
    let u = h.get(&code("HA-TINH-NEW")).unwrap();
    assert!(u.validity.contains(day("2026-06-01")) && !u.validity.contains(day("2027-01-01")));

    let d = dataset();
    let mut doc = d.documents[0].clone();
    assert!(
        store.add_document(&doc, "office").await.is_err(),
        "a taken code"
    );
    doc.code = code("HT-PLAN-2026");
    doc.implements = vec![code("NO-SUCH-DOC")];
    let e = store.add_document(&doc, "office").await.unwrap_err();
    assert!(e.to_string().starts_with("implements:"), "{e}");
    doc.implements = vec![d.documents[0].code.clone()];
    store.add_document(&doc, "office").await.unwrap();
    let docs = store.documents().await.unwrap();
    assert!(docs
        .iter()
        .any(|x| x.code == doc.code && x.implements == doc.implements));

    let mut target = d.targets[0].clone();
    target.code = code("HT-NEW-T");
    target.document = Some(doc.code.clone());
    store.add_target(&target, "office").await.unwrap();
    assert!(store
        .targets(Some(&doc.code))
        .await
        .unwrap()
        .iter()
        .any(|t| t.code == target.code));

    let task = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap()[0]
        .clone();
    store
        .close_task(
            &task.code,
            TaskClosing::Completed,
            day("2025-09-01"),
            "office",
        )
        .await
        .unwrap();
    let e = store
        .close_task(
            &task.code,
            TaskClosing::Cancelled,
            day("2025-09-02"),
            "office",
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already closed"), "{e}");
    let after = store
        .tasks(&TaskFilter::all(Clearance::Secret))
        .await
        .unwrap();
    assert_eq!(
        after
            .iter()
            .find(|t| t.code == task.code)
            .unwrap()
            .completed_on,
        Some(day("2025-09-01"))
    );
    let actions: Vec<String> = store
        .audit_log(None, 20, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "task.complete",
            "target.create",
            "document.create",
            "unit.end",
            "unit.create",
            "values.import"
        ]
    );
}

async fn feedback_moves_through_its_workflow(store: &Store) {
    use tiendo_domain::feedback::{Concern, Contact, Evidence, Kind, State, Submission};
    use tiendo_storage::{CaseFilter, Received, StoreError};

    let contact = Contact::new("Trần Thị B", "b@example.vn", "").unwrap();
    let text = "Xã chúng tôi chưa có điểm truy cập Internet công cộng, đề nghị bổ sung.";
    let submission = Submission::new(
        Kind::Recommendation,
        Concern::parse("task", "HT-5").unwrap(),
        text,
        contact.clone(),
        true,
    )
    .unwrap();
    let pdf = Evidence::new("../ảnh/biên bản.pdf", b"%PDF-1.7 evidence".to_vec()).unwrap();
    let now = chrono::Utc::now();
    let unit: OrgCode = code("HA-TINH");
    let first = store
        .receive_feedback(&submission, Some(&unit), &[pdf], "hash-1", now)
        .await
        .unwrap();
    let Received::New(reference) = first else {
        panic!("the first submission is new: {first:?}")
    };
    // The same words again, differently spaced and cased, are recognised.
    let again = Submission::new(
        Kind::Recommendation,
        Concern::parse("task", "HT-5").unwrap(),
        &text.to_uppercase(),
        Contact::new("Lê C", "c@example.vn", "").unwrap(),
        false,
    )
    .unwrap();
    assert_eq!(
        store
            .receive_feedback(&again, Some(&unit), &[], "hash-2", now)
            .await
            .unwrap(),
        Received::Duplicate(reference)
    );
    let case = store.feedback_case(reference).await.unwrap().unwrap();
    assert_eq!(
        (case.state, case.repeats, case.unit.clone()),
        (State::Received, 1, Some(unit.clone()))
    );
    assert_eq!(case.files.len(), 1);
    assert_eq!(case.files[0].name, "biên bản.pdf");
    let (info, bytes) = store.feedback_file(reference, 1).await.unwrap().unwrap();
    assert_eq!(
        (info.content_type.as_str(), bytes.as_slice()),
        ("application/pdf", &b"%PDF-1.7 evidence"[..])
    );
    assert!(store
        .feedback_tracked_by(reference, "hash-1")
        .await
        .unwrap());
    assert!(!store
        .feedback_tracked_by(reference, "hash-2")
        .await
        .unwrap());
    assert_eq!(
        store
            .feedback_sent_since(&contact.key(), now - chrono::Duration::hours(1))
            .await
            .unwrap(),
        1
    );

    // Steps out of order are refused and change nothing.
    let early = store
        .answer_feedback(reference, "Sẽ bổ sung trong quý III.", true, "ha-tinh")
        .await;
    assert!(matches!(early, Err(StoreError::Invalid(m)) if m.contains("only an assigned case")));
    let bare = store.close_feedback(reference, "", "van-phong").await;
    assert!(matches!(bare, Err(StoreError::Invalid(m)) if m.contains("note")));

    store
        .assign_feedback(reference, &unit, "van-phong")
        .await
        .unwrap();
    let mine = CaseFilter {
        units: Some(vec![unit.clone()]),
        ..CaseFilter::default()
    };
    let (cases, total) = store.feedback_cases(&mine, 10, 0).await.unwrap();
    assert_eq!(
        (cases.len(), total, cases[0].state),
        (1, 1, State::Assigned)
    );
    let elsewhere = CaseFilter {
        units: Some(vec![code("NGHE-AN")]),
        ..CaseFilter::default()
    };
    assert_eq!(store.feedback_cases(&elsewhere, 10, 0).await.unwrap().1, 0);

    store
        .answer_feedback(
            reference,
            "Tỉnh sẽ lắp điểm truy cập trong quý III năm 2026.",
            true,
            "ha-tinh",
        )
        .await
        .unwrap();
    let published = CaseFilter {
        published_only: true,
        ..CaseFilter::default()
    };
    let (public, _) = store.feedback_cases(&published, 10, 0).await.unwrap();
    assert_eq!(public.len(), 1);
    let shown = serde_json::to_string(&public[0].public()).unwrap();
    assert!(shown.contains("quý III"), "{shown}");
    assert!(
        !shown.contains("example.vn") && !shown.contains("Trần Thị B"),
        "contact never published: {shown}"
    );

    store
        .close_feedback(reference, "", "van-phong")
        .await
        .unwrap();
    assert!(store
        .close_feedback(reference, "again", "van-phong")
        .await
        .is_err());
    let actions: Vec<String> = store
        .audit_log(Some("feedback"), 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "feedback.close",
            "feedback.answer",
            "feedback.assign",
            "feedback.receive"
        ]
    );

    // Without consent an answer cannot be published.
    let private = Submission::new(
        Kind::Difficulty,
        Concern::parse("target", "T1").unwrap(),
        "Doanh nghiệp khó tiếp cận quỹ đổi mới sáng tạo của tỉnh.",
        contact,
        false,
    )
    .unwrap();
    let Received::New(other) = store
        .receive_feedback(&private, None, &[], "hash-3", now)
        .await
        .unwrap()
    else {
        panic!("a different text is a new case")
    };
    store
        .assign_feedback(other, &unit, "van-phong")
        .await
        .unwrap();
    let refused = store
        .answer_feedback(
            other,
            "Đã chuyển Sở Khoa học và Công nghệ.",
            true,
            "ha-tinh",
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid(m)) if m.contains("did not agree")));
}

async fn notifications_are_stored_once_and_sent_once(store: &Store) {
    use chrono::Duration;
    use tiendo_storage::{Channel, DeliveryMode, NewNotification, NotificationSettings};

    let now = chrono::Utc::now();
    let item = |key: &str, digest| NewNotification {
        dedupe_key: key.into(),
        channel: Channel::Email,
        recipient: "ha-tinh@example.vn".into(),
        event: "task-overdue".into(),
        object: "task HT-5".into(),
        subject: "HT-5 is overdue".into(),
        body: "Task HT-5 passed its deadline.".into(),
        digest,
    };
    let first = [item("a", false), item("b", true)];
    assert_eq!(store.enqueue_notifications(&first, now).await.unwrap(), 2);
    assert_eq!(
        store.enqueue_notifications(&first, now).await.unwrap(),
        0,
        "same keys"
    );

    let lease = Duration::minutes(5);
    let claimed = store
        .claim_notifications(now, false, None, lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "only the immediate one");
    assert!(
        store
            .claim_notifications(now, false, None, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );

    // A failure releases it for a later attempt, not at once.
    store
        .mark_failed(claimed[0].id, "connection refused", now)
        .await
        .unwrap();
    assert!(store
        .claim_notifications(now, false, None, lease, 10)
        .await
        .unwrap()
        .is_empty());
    let later = now + Duration::minutes(2);
    let again = store
        .claim_notifications(later, false, None, lease, 10)
        .await
        .unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    assert_eq!(store.mark_sent(&[again[0].id], later).await.unwrap(), 1);
    assert_eq!(
        store.mark_sent(&[again[0].id], later).await.unwrap(),
        0,
        "sent once"
    );
    let much_later = now + Duration::days(1);
    assert!(store
        .claim_notifications(much_later, false, None, lease, 10)
        .await
        .unwrap()
        .is_empty());

    let webhooks_only = store
        .claim_notifications(now, true, Some(Channel::Webhook), lease, 10)
        .await
        .unwrap();
    assert!(webhooks_only.is_empty(), "the digest one is an e-mail");
    let digest = store
        .claim_notifications(now, true, None, lease, 10)
        .await
        .unwrap();
    assert_eq!(digest.len(), 1);
    assert_eq!(store.notification_counts().await.unwrap(), (1, 1, 0));

    let settings = NotificationSettings {
        username: "ha-tinh".into(),
        email: "ha-tinh@example.vn".into(),
        mode: DeliveryMode::Digest,
    };
    store.set_notification_settings(&settings).await.unwrap();
    store
        .set_notification_settings(&NotificationSettings {
            mode: DeliveryMode::Immediate,
            ..settings.clone()
        })
        .await
        .unwrap();
    let stored = store.notification_settings().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].mode, DeliveryMode::Immediate);
    assert!(store
        .set_notification_settings(&NotificationSettings {
            email: "nope".into(),
            ..settings
        })
        .await
        .is_err());
    assert!(store
        .add_webhook("ftp://x", "0123456789abcdef")
        .await
        .is_err());
    store
        .add_webhook("https://hooks.example.vn/tiendo", "0123456789abcdef")
        .await
        .unwrap();
    assert_eq!(store.webhooks().await.unwrap().len(), 1);
}

async fn reviews_name_their_version_and_need_four_eyes(store: &Store) {
    loaded(store).await;
    let (t, o, p): (TargetCode, OrgCode, tiendo_domain::periods::Period) =
        (code("HT-T4"), code("HA-TINH"), code("2025Q3"));
    let outcomes = store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q3",
            40.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    assert_eq!(outcomes[0], Ok(()));
    let seen = store.value_history(&t, &o, p).await.unwrap().pop().unwrap();
    // Its author cannot approve it, nor return it.
    for next in [ValueState::Approved, ValueState::Returned] {
        let e = store
            .set_value_state(&t, &o, p, seen.version, next, "reporter", Some("mine"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Forbidden {
                    code: "own_value",
                    ..
                }
            ),
            "{e}"
        );
    }
    // A version that is no longer current is a conflict: the reviewer returns it, the reporter
    // corrects and submits again, and an approval of the first version is refused.
    set_state(
        store,
        &t,
        &o,
        p,
        ValueState::Returned,
        "supervisor",
        Some("source?"),
    )
    .await
    .unwrap();
    store
        .enter_values(&[vec![entry(
            "HT-T4",
            "HA-TINH",
            "2025Q3",
            41.0,
            ValueState::Submitted,
        )]])
        .await
        .unwrap();
    let e = store
        .set_value_state(
            &t,
            &o,
            p,
            seen.version,
            ValueState::Approved,
            "supervisor",
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                code: "stale_version",
                ..
            }
        ),
        "{e}"
    );
    let now = store.value_history(&t, &o, p).await.unwrap().pop().unwrap();
    assert_eq!(now.state, ValueState::Submitted);
    let approved = store
        .set_value_state(
            &t,
            &o,
            p,
            now.version,
            ValueState::Approved,
            "supervisor",
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (approved.state, approved.value.get()),
        (ValueState::Approved, 41.0)
    );
    let missing = store
        .set_value_state(
            &t,
            &o,
            code("2024Q1"),
            1,
            ValueState::Approved,
            "supervisor",
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing}");

    // Reviews made together, as the server's writer makes a queue of them: each is answered
    // on its own; the refused ones write nothing, the others are written with their audit.
    let mut waiting = Vec::new();
    for period in ["2024Q2", "2024Q3"] {
        let sent = store
            .enter_values(&[vec![entry(
                "HT-T4",
                "HA-TINH",
                period,
                7.0,
                ValueState::Submitted,
            )]])
            .await
            .unwrap();
        assert_eq!(sent[0], Ok(()), "{period}");
        let history = store.value_history(&t, &o, code(period)).await.unwrap();
        waiting.push(history.last().unwrap().clone());
    }
    let change = |v: &tiendo_domain::values::DataValue, author: &str| tiendo_storage::StateChange {
        target: v.target.clone(),
        org: v.org.clone(),
        period: v.period,
        version: v.version,
        next: ValueState::Approved,
        author: author.to_string(),
        comment: None,
    };
    let audited = store.audit_count().await.unwrap();
    let answers = store
        .set_value_states(&[
            change(&waiting[0], "supervisor"),
            change(&waiting[1], "reporter"),
            change(&waiting[0], "supervisor"),
        ])
        .await;
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0].as_ref().unwrap().state, ValueState::Approved);
    assert!(
        matches!(
            answers[1],
            Err(StoreError::Forbidden {
                code: "own_value",
                ..
            })
        ),
        "{:?}",
        answers[1]
    );
    // The same version again, already approved in this batch: no longer current.
    assert!(
        matches!(
            answers[2],
            Err(StoreError::Conflict {
                code: "stale_version",
                ..
            })
        ),
        "{:?}",
        answers[2]
    );
    assert_eq!(store.audit_count().await.unwrap(), audited + 1);
    let second = store
        .value_history(&t, &waiting[1].org, waiting[1].period)
        .await
        .unwrap();
    assert_eq!(second.last().unwrap().state, ValueState::Submitted);
}

/// Reviewers submit and approve values one after another while files naming the same keys are
/// imported as drafts: an import never writes over a value that was submitted or approved
/// after it was checked, so every approval stands.
async fn imports_racing_approvals_lose_nothing(store: &Store) {
    loaded(store).await;
    let communes = communes(store, 300).await;
    assert!(communes.len() >= 100, "{} communes", communes.len());
    let (t, p) = ("HT-T3", "2025Q3");
    let reviewed: Vec<String> = communes[..60].to_vec();
    // Each side in a task of its own, as two requests to the server are.
    let review = tokio::spawn({
        let (store, reviewed) = (store.clone(), reviewed.clone());
        async move {
            for c in &reviewed {
                let outcome = store
                    .enter_values(&[vec![entry(t, c, p, 10.0, ValueState::Submitted)]])
                    .await
                    .unwrap();
                assert_eq!(outcome[0], Ok(()), "{c}");
                set_state(
                    &store,
                    &code(t),
                    &code(c),
                    code(p),
                    ValueState::Approved,
                    "supervisor",
                    None,
                )
                .await
                .unwrap();
            }
        }
    });
    let imports = tokio::spawn({
        let store = store.clone();
        async move {
            for round in 0..6 {
                let rows: Vec<NewValue> = communes
                    .iter()
                    .map(|c| value(t, c, p, 20.0 + f64::from(round)))
                    .collect();
                store
                    .import_values(&rows, "importer", ValueState::Draft, &|_| {})
                    .await
                    .unwrap();
            }
        }
    });
    review.await.unwrap();
    imports.await.unwrap();
    for c in &reviewed {
        let history = store
            .value_history(&code(t), &code(c), code(p))
            .await
            .unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            (last.state, last.value.get()),
            (ValueState::Approved, 10.0),
            "{c}: {history:?}"
        );
    }
}

/// A deadline: reporters of forty units submit the same target at once, eight of them the very
/// same value, each in a request of its own. Every other unit's value is written; of the
/// shared value exactly one submission is, the others being told it awaits review; and of two
/// reviewers approving that submission at once exactly one approval stands.
async fn writers_of_one_value_take_turns_and_the_others_pass(store: &Store) {
    use tiendo_domain::admissibility::Refusal;
    loaded(store).await;
    let communes = communes(store, 40).await;
    assert_eq!(communes.len(), 40);
    let t = "HT-T3";
    for p in ["2025Q3", "2025Q4", "2026Q1", "2026Q2"] {
        let writers: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                let org = communes[if i % 5 == 0 { 0 } else { i }].clone();
                tokio::spawn(async move {
                    let value = 10.0 + i as f64 / 10.0;
                    let entry = entry(t, &org, p, value, ValueState::Submitted);
                    let outcome = store.enter_values(&[vec![entry]]).await.unwrap();
                    (org, outcome.into_iter().next().unwrap())
                })
            })
            .collect();
        let mut accepted = 0;
        for writer in writers {
            let (org, outcome) = writer.await.unwrap();
            if org != communes[0] {
                assert_eq!(outcome, Ok(()), "{org} {p}");
            } else if outcome.is_ok() {
                accepted += 1;
            } else {
                assert_eq!(outcome, Err(vec![(0, Refusal::AwaitingReview)]), "{p}");
            }
        }
        assert_eq!(accepted, 1, "{p}: submissions of one value accepted");
        let (shared, period) = (code::<OrgCode>(&communes[0]), code(p));
        let history = store
            .value_history(&code(t), &shared, period)
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "{p}: {history:?}");
        let version = history[0].version;
        let reviewers: Vec<_> = ["reviewer-a", "reviewer-b"]
            .into_iter()
            .map(|who| {
                let (store, shared) = (store.clone(), shared.clone());
                tokio::spawn(async move {
                    store
                        .set_value_state(
                            &code(t),
                            &shared,
                            period,
                            version,
                            ValueState::Approved,
                            who,
                            None,
                        )
                        .await
                })
            })
            .collect();
        let mut approved = 0;
        for reviewer in reviewers {
            match reviewer.await.unwrap() {
                Ok(v) => {
                    approved += 1;
                    assert_eq!(v.state, ValueState::Approved);
                }
                Err(e) => assert!(
                    matches!(
                        e,
                        StoreError::Conflict {
                            code: "stale_version",
                            ..
                        }
                    ),
                    "{p}: {e:?}"
                ),
            }
        }
        assert_eq!(approved, 1, "{p}: approvals of one version");
        let history = store
            .value_history(&code(t), &shared, period)
            .await
            .unwrap();
        assert_eq!(history.len(), 2, "{p}: {history:?}");
    }
    // The writers' audit entries, in whatever lanes they took, form a whole chain.
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.broken, chain.checked), (None, chain.length));
}

/// A load of definitions during a rush waits for the writers of values or they for it, never
/// each for the other: a writer holding a target (shared) and one unit locks a second unit
/// while a load rewrites both units and the target, and both go through. Before loads took
/// targets and units in the writers' order, PostgreSQL refused one of the two as a deadlock.
/// SQLite writes one transaction at a time.
async fn a_load_during_writes_waits_its_turn(store: &Store) {
    let defined = loaded(store).await;
    let Store::Postgres(pool) = store else {
        return;
    };
    let ids: Vec<(String, i64)> = sqlx::query_as(
        "SELECT code, id FROM org_units WHERE code IN ('HA-TINH', 'NGHE-AN') ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let (low, high) = (ids[0].0.clone(), ids[1].0.clone());
    let mut plan = tiendo_dataset::strategy::Plan::nothing();
    plan.hierarchy = defined.hierarchy.clone();
    plan.units.changed = [&low, &high]
        .iter()
        .map(|c| defined.hierarchy.get(&code(c)).unwrap().clone())
        .collect();
    plan.targets.changed = defined
        .targets
        .iter()
        .filter(|t| t.code.as_str() == "HT-T1")
        .cloned()
        .collect();

    let mut writer = pool.begin().await.unwrap();
    for lock in [
        "SELECT id FROM targets WHERE code = 'HT-T1' FOR SHARE".to_string(),
        format!("SELECT id FROM org_units WHERE code = '{high}' FOR NO KEY UPDATE"),
    ] {
        sqlx::query(&lock).execute(&mut *writer).await.unwrap();
    }
    let load = {
        let store = store.clone();
        tokio::spawn(async move {
            let by = tiendo_storage::LoadBy {
                actor: "tiendo load",
                origin: Some("a rewrite"),
                appendix_of: None,
            };
            store.write_plan(&plan, &by).await
        })
    };
    // The load reaches what it waits for; then the writer takes its second unit.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query(&format!(
        "SELECT id FROM org_units WHERE code = '{low}' FOR NO KEY UPDATE"
    ))
    .execute(&mut *writer)
    .await
    .expect("the writer took its second unit");
    writer.commit().await.unwrap();
    load.await
        .unwrap()
        .expect("the load was written after the writer");
}

/// The audit chain runs in lanes: on PostgreSQL a writer whose lane another transaction holds
/// takes the next one rather than wait for it, each lane verifies on its own, and a lane's
/// newest entry removed shows at that lane's head. SQLite keeps to lane 1.
async fn the_audit_chain_runs_in_lanes(store: &Store) {
    use tiendo_storage::BreakReason;
    loaded(store).await;
    let submit = |period: &'static str| {
        let store = store.clone();
        async move {
            let e = entry("HT-T4", "HA-TINH", period, 5.0, ValueState::Submitted);
            store.enter_values(&[vec![e]]).await.unwrap()[0].clone()
        }
    };
    let Store::Postgres(pool) = store else {
        assert_eq!(submit("2025Q1").await, Ok(()));
        let chain = store.verify_audit().await.unwrap();
        assert_eq!(chain.broken, None);
        let lanes: Vec<i64> = chain.heads.iter().map(|h| h.lane).collect();
        assert_eq!(lanes, [1]);
        return;
    };
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let written = tokio::time::timeout(std::time::Duration::from_secs(10), submit("2025Q1"))
        .await
        .expect("a write waited for a lane another transaction held");
    assert_eq!(written, Ok(()));
    holder.rollback().await.unwrap();
    assert_eq!(submit("2025Q2").await, Ok(()));
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.broken, chain.checked), (None, chain.length));
    let lanes: Vec<i64> = chain.heads.iter().map(|h| h.lane).collect();
    assert_eq!(
        lanes,
        [1, 2],
        "the held lane's writer took lane 2, the next one lane 1"
    );

    behind_tiendos_back(
        store,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    )
    .await
    .unwrap();
    behind_tiendos_back(
        store,
        "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log WHERE lane = 2)",
    )
    .await
    .unwrap();
    let broken = store.verify_audit().await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.entry, broken.reason),
        (None, BreakReason::Truncated)
    );
}

/// The rule that refuses a value on one path refuses it on every path: imports and entries
/// alike refuse a value of a unit that does not report the target, of a ceased unit, of the
/// wrong periodicity and out of its bounds.
async fn every_write_path_applies_the_one_rule(store: &Store) {
    loaded(store).await;
    let cases = [
        (value("HT-T1", "NGHE-AN", "2025", 5.0), "not_a_reporter"),
        (value("DTI", "QUANG-BINH", "2027", 0.5), "unit_not_in_force"),
        (value("DTI", "HA-TINH", "202507", 0.5), "wrong_periodicity"),
        (value("DTI", "HA-TINH", "2025Q3", 0.5), "wrong_periodicity"),
        (value("DTI", "HA-TINH", "2025", 1.7), "out_of_bounds"),
    ];
    for (v, rule) in cases {
        let StoreError::Rejected(p) = import(store, std::slice::from_ref(&v)).await.unwrap_err()
        else {
            panic!("{v:?} was imported")
        };
        assert_eq!(p[0].code, rule, "{v:?}: {}", p[0].message);
        let outcome = store
            .enter_values(&[vec![tiendo_storage::Entry {
                value: v.clone(),
                state: ValueState::Submitted,
                author: "reporter".into(),
                window: tiendo_domain::admissibility::EntryWindow::never_closes(
                    chrono::NaiveDate::MIN,
                ),
            }]])
            .await
            .unwrap();
        let refused = outcome[0].clone().unwrap_err();
        assert_eq!(refused[0].1.code(), rule, "{v:?}");
    }
    // A NUL byte in a comment would fail a whole PostgreSQL batch: it is refused up front.
    let mut v = value("DTI", "HA-TINH", "2025", 0.5);
    v.comment = Some("số liệu\u{0}".into());
    let StoreError::Rejected(p) = import(store, std::slice::from_ref(&v)).await.unwrap_err() else {
        panic!("a NUL byte was imported")
    };
    assert_eq!(
        (p[0].code, p[0].field.as_str()),
        ("control_character", "comment")
    );
    let outcome = store
        .enter_values(&[vec![tiendo_storage::Entry {
            value: v,
            state: ValueState::Draft,
            author: "reporter".into(),
            window: tiendo_domain::admissibility::EntryWindow::never_closes(chrono::NaiveDate::MIN),
        }]])
        .await
        .unwrap();
    assert_eq!(
        outcome[0].clone().unwrap_err()[0].1.code(),
        "control_character"
    );
}

/// A page of values is counted and cut by the database, and unpublished values appear only for
/// the units a reader may see them of.
async fn values_are_paged_in_the_database(store: &Store) {
    use tiendo_storage::Unpublished;
    loaded(store).await;
    let communes = communes(store, 30).await;
    let rows: Vec<NewValue> = communes
        .iter()
        .map(|c| value("HT-T3", c, "2025Q3", 40.0))
        .collect();
    store
        .import_values(&rows, "tester", ValueState::Draft, &|_| {})
        .await
        .unwrap();
    let filter = ValueFilter {
        target: Some(code("HT-T3")),
        org: None,
    };
    let (first, total) = store
        .values_page(&filter, Unpublished::All, 0, 12)
        .await
        .unwrap();
    assert_eq!((first.len(), total), (12, 30));
    let (last, _) = store
        .values_page(&filter, Unpublished::All, 24, 12)
        .await
        .unwrap();
    assert_eq!(last.len(), 6);
    let mut seen: Vec<String> = first
        .iter()
        .chain(&last)
        .map(|v| v.org.to_string())
        .collect();
    seen.dedup();
    assert_eq!(seen.len(), 18, "pages do not overlap");
    let (none, total) = store
        .values_page(&filter, Unpublished::Within(&[]), 0, 100)
        .await
        .unwrap();
    assert_eq!((none.len(), total), (0, 0), "drafts are not published");
    let mine: Vec<OrgCode> = vec![code(&communes[3])];
    let (own, total) = store
        .values_page(&filter, Unpublished::Within(&mine), 0, 100)
        .await
        .unwrap();
    assert_eq!((own.len(), total), (1, 1));
    assert_eq!(own[0].org, mine[0]);
    let (published, total) = store
        .values_page(
            &ValueFilter {
                target: Some(code("PII")),
                org: None,
            },
            Unpublished::Within(&[]),
            0,
            4,
        )
        .await
        .unwrap();
    assert_eq!(published.len(), 4);
    assert!(total > 4 && published.iter().all(|v| v.state == ValueState::Approved));
}
