//! A strategy folder for `tiendo load`: the file formats of `data/`, read from disk within
//! limits, checked with what the database already holds, and compared with it item by item so
//! that loading again changes only what changed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tiendo_domain::admissibility::{admit, admit_text, Reporter};
use tiendo_domain::dashboards::Dashboard;
use tiendo_domain::documents::Document;
use tiendo_domain::orgs::{Hierarchy, OrgUnit, Succession};
use tiendo_domain::targets::Target;
use tiendo_domain::tasks::Task;
use tiendo_domain::validation::ValidationRule;
use tiendo_domain::values::NewValue;

use crate::files::DataFile;
use crate::load::{
    read_dashboard, read_documents, read_placed_values, read_successions, read_targets, read_tasks,
    read_units, Dataset, DatasetError,
};

/// No file of a folder is larger: the biggest shipped file is 3 MB.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// No folder holds more files than this.
pub const MAX_FILES: usize = 1_000;
/// Nor more bytes in all: everything read is held in memory until it is checked.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

/// What a strategy folder holds, each file read and each item checked on its own.
#[derive(Debug, Default)]
pub struct Folder {
    /// The folder as the person named it, for messages.
    pub root: String,
    /// The files read, relative to the folder.
    pub read: Vec<String>,
    /// Files the folder holds that are not strategy files (a README is expected).
    pub ignored: Vec<String>,
    pub units: Vec<OrgUnit>,
    pub successions: Vec<Succession>,
    pub documents: Vec<Document>,
    pub targets: Vec<Target>,
    pub tasks: Vec<Task>,
    pub rules: Vec<ValidationRule>,
    pub dashboards: Vec<Dashboard>,
    pub values: Vec<NewValue>,
    /// Where each value was written, one for each value: its file and line.
    value_places: Vec<(String, u32)>,
    /// Composite index definitions (`indices/*.toml`): path and text, checked by the caller,
    /// which knows how to read them.
    pub indices: Vec<(String, String)>,
    /// Unit-evaluation rubrics (`rubrics/*.toml`): path and text, checked by the caller.
    pub rubrics: Vec<(String, String)>,
}

/// Which kind of strategy file a path inside the folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Units,
    Successions,
    Documents,
    Targets,
    Tasks,
    Values,
    Rules,
    Dashboard,
    Index,
    Rubric,
}

fn kind_of(relative: &Path) -> Option<Kind> {
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    let ext = relative.extension().and_then(|e| e.to_str()).unwrap_or("");
    match (parts.as_slice(), ext) {
        (["documents.toml"], _) => Some(Kind::Documents),
        (["tasks.toml"], _) => Some(Kind::Tasks),
        (["orgs", "successions.csv"], _) => Some(Kind::Successions),
        (["orgs", _], "csv") => Some(Kind::Units),
        (["targets", _], "toml") => Some(Kind::Targets),
        (["tasks", _], "toml") => Some(Kind::Tasks),
        (["values", _], "csv") => Some(Kind::Values),
        (["rules", _], "toml") => Some(Kind::Rules),
        (["dashboards", _], "json") => Some(Kind::Dashboard),
        (["indices", _], "toml") => Some(Kind::Index),
        (["rubrics", _], "toml") => Some(Kind::Rubric),
        _ => None,
    }
}

/// The files under `dir`, one level of sub-folders deep, sorted so that a load reads them in
/// the same order every time; deeper folders are returned as ignored.
fn list(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), DatasetError> {
    let root = dir.display().to_string();
    let unreadable = |e: std::io::Error| DatasetError::in_file(&root, e.to_string());
    let too_many = || {
        DatasetError::in_file(
            &root,
            format!("the folder holds more than {MAX_FILES} files"),
        )
        .coded("too-many-files", [("limit", MAX_FILES.to_string())])
    };
    let (mut files, mut deeper) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let kind = entry.file_type().map_err(unreadable)?;
        if kind.is_dir() {
            for inner in std::fs::read_dir(entry.path()).map_err(unreadable)? {
                let inner = inner.map_err(unreadable)?;
                if inner.file_type().map_err(unreadable)?.is_file() {
                    files.push(inner.path());
                } else {
                    deeper.push(inner.path());
                }
                if files.len() + deeper.len() > MAX_FILES {
                    return Err(too_many());
                }
            }
        } else if kind.is_file() {
            files.push(entry.path());
        }
        if files.len() + deeper.len() > MAX_FILES {
            return Err(too_many());
        }
    }
    files.sort();
    deeper.sort();
    Ok((files, deeper))
}

/// A file's text, read no further than the limit (it may grow between a look and the read).
fn read_text(path: &Path, budget: &mut u64) -> Result<String, DatasetError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let limit = MAX_FILE_BYTES.min(*budget);
    let file =
        std::fs::File::open(path).map_err(|e| DatasetError::in_file(&shown, e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DatasetError::in_file(&shown, e.to_string()))?;
    if bytes.len() as u64 > limit {
        let (code, limit_mb) = if limit < MAX_FILE_BYTES {
            ("folder-too-large", MAX_TOTAL_BYTES >> 20)
        } else {
            ("file-too-large", MAX_FILE_BYTES >> 20)
        };
        return Err(
            DatasetError::in_file(&shown, format!("more than {limit_mb} MB"))
                .coded(code, [("limit", limit_mb.to_string())]),
        );
    }
    *budget -= bytes.len() as u64;
    String::from_utf8(bytes).map_err(|_| {
        DatasetError::in_file(&shown, "the file is not UTF-8 text").coded("not-utf8", [])
    })
}

impl Folder {
    /// Documents and tasks from elsewhere than a folder (a plan's task appendix), to be
    /// checked and written as a folder's are.
    pub fn of_tasks(root: String, documents: Vec<Document>, tasks: Vec<Task>) -> Folder {
        Folder {
            root,
            documents,
            tasks,
            ..Folder::default()
        }
    }
}

/// Reads every strategy file of `dir` and checks each item on its own; nothing is compared
/// with a database yet.
pub fn read_folder(dir: &Path) -> Result<Folder, DatasetError> {
    let mut folder = Folder {
        root: dir.display().to_string(),
        ..Folder::default()
    };
    let (files, deeper) = list(dir)?;
    let shown = |path: &Path| path.strip_prefix(dir).unwrap_or(path).display().to_string();
    folder.ignored.extend(deeper.iter().map(|p| shown(p)));
    let mut budget = MAX_TOTAL_BYTES;
    for path in files {
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        let shown = relative.display().to_string();
        let Some(kind) = kind_of(relative) else {
            folder.ignored.push(shown);
            continue;
        };
        let text = read_text(&path, &mut budget)?;
        let full = path.display().to_string();
        let file = DataFile {
            path: &full,
            text: &text,
        };
        match kind {
            Kind::Units => folder.units.extend(read_units(&file)?),
            Kind::Successions => folder.successions.extend(read_successions(&file)?),
            Kind::Documents => folder.documents.extend(read_documents(&file)?),
            Kind::Targets => folder.targets.extend(read_targets(&file)?),
            Kind::Tasks => folder.tasks.extend(read_tasks(&file)?),
            Kind::Rules => folder.rules.extend(crate::read_rules(&file)?),
            Kind::Dashboard => folder.dashboards.push(read_dashboard(&file)?),
            Kind::Index => folder.indices.push((full.clone(), text.clone())),
            Kind::Rubric => folder.rubrics.push((full.clone(), text.clone())),
            Kind::Values => {
                for (line, value) in read_placed_values(&file)? {
                    folder.value_places.push((full.clone(), line));
                    folder.values.push(value);
                }
            }
        }
        folder.read.push(shown);
    }
    if folder.read.is_empty() {
        return Err(
            DatasetError::in_file(&folder.root, "the folder holds no strategy file")
                .coded("empty-folder", []),
        );
    }
    Ok(folder)
}

/// Items of one kind a load writes: new ones and changed ones, and how many are as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Changes<T> {
    pub new: Vec<T>,
    pub changed: Vec<T>,
    pub unchanged: usize,
}

impl<T> Changes<T> {
    /// Everything to write, new and changed alike.
    pub fn written(&self) -> impl Iterator<Item = &T> {
        self.new.iter().chain(&self.changed)
    }

    /// Only new items: what a first load of a whole dataset writes.
    pub fn all_new(items: Vec<T>) -> Self {
        Changes {
            new: items,
            changed: Vec::new(),
            unchanged: 0,
        }
    }
}

/// What loading a folder into a database writes, after everything has been checked.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The hierarchy after the load: the stored units with the folder's over them.
    pub hierarchy: Hierarchy,
    pub units: Changes<OrgUnit>,
    /// Successions the database does not hold yet.
    pub successions: Vec<Succession>,
    pub documents: Changes<Document>,
    pub targets: Changes<Target>,
    pub tasks: Changes<Task>,
    pub rules: Changes<ValidationRule>,
    pub dashboards: Changes<Dashboard>,
    /// The folder's published values; the import compares them with the stored ones.
    pub values: Vec<NewValue>,
    /// Agency names a person mapped while importing a task appendix, to remember.
    pub agency_mappings: Vec<crate::agencies::Mapping>,
}

impl Plan {
    /// A plan that writes nothing, for one definition to be added to.
    pub fn nothing() -> Plan {
        Plan::of_dataset(&Dataset::with_hierarchy(Hierarchy::default()))
    }

    /// Everything of `dataset` as new: its first load into an empty database.
    pub fn of_dataset(dataset: &Dataset) -> Plan {
        Plan {
            hierarchy: dataset.hierarchy.clone(),
            units: Changes::all_new(dataset.hierarchy.units().to_vec()),
            successions: dataset.hierarchy.successions().to_vec(),
            documents: Changes::all_new(dataset.documents.clone()),
            targets: Changes::all_new(dataset.targets.clone()),
            tasks: Changes::all_new(dataset.tasks.clone()),
            rules: Changes::all_new(dataset.rules.clone()),
            dashboards: Changes::all_new(dataset.dashboards.clone()),
            values: dataset.values.clone(),
            agency_mappings: Vec::new(),
        }
    }

    /// Whether the load writes no definition (its values may still be new).
    pub fn changes_no_definition(&self) -> bool {
        self.units.new.is_empty()
            && self.units.changed.is_empty()
            && self.successions.is_empty()
            && self.documents.written().next().is_none()
            && self.targets.written().next().is_none()
            && self.tasks.written().next().is_none()
            && self.rules.written().next().is_none()
            && self.dashboards.written().next().is_none()
            && self.agency_mappings.is_empty()
    }
}

/// Compares each item with the stored one of the same code, both brought to one form first
/// (`normal`: lists the database returns in its own order are sorted).
fn compare<T: Serialize + Clone>(
    stored: &[T],
    incoming: &[T],
    code: impl Fn(&T) -> String,
    normal: impl Fn(&T) -> T,
) -> Changes<T> {
    let json = |t: &T| serde_json::to_value(normal(t)).ok();
    let by_code: HashMap<String, &T> = stored.iter().map(|t| (code(t), t)).collect();
    let mut changes = Changes::all_new(Vec::new());
    for item in incoming {
        match by_code.get(&code(item)) {
            None => changes.new.push(item.clone()),
            Some(old) if json(old) == json(item) => changes.unchanged += 1,
            Some(_) => changes.changed.push(item.clone()),
        }
    }
    changes
}

/// A task as compared: its coordinators and targets in code order, as stored.
fn task_form(t: &Task) -> Task {
    let mut t = t.clone();
    t.coordinators.sort();
    t.targets.sort();
    t
}

/// A document as compared: the documents it implements in code order.
fn document_form(d: &Document) -> Document {
    let mut d = d.clone();
    d.implements.sort();
    d
}

/// The first code the folder gives twice among items of one kind.
fn twice<T>(items: &[T], code: impl Fn(&T) -> String) -> Option<String> {
    let mut seen = HashSet::new();
    items.iter().map(code).find(|c| !seen.insert(c.clone()))
}

/// The stored items with the folder's in place of those of the same code, new ones after.
fn overlay<T: Clone>(stored: &[T], incoming: &[T], code: impl Fn(&T) -> String) -> Vec<T> {
    let replaced: HashMap<String, &T> = incoming.iter().map(|t| (code(t), t)).collect();
    let stored_codes: HashSet<String> = stored.iter().map(&code).collect();
    stored
        .iter()
        .map(|t| replaced.get(&code(t)).map_or(t, |n| *n).clone())
        .chain(
            incoming
                .iter()
                .filter(|t| !stored_codes.contains(&code(t)))
                .cloned(),
        )
        .collect()
}

/// Checks the folder with what `current` (the database) holds: every cross-reference
/// resolves in the two together, every value passes the admissibility rule, and no stored
/// task moves under another parent. Returns what a load would write.
pub fn plan(current: &Dataset, mut folder: Folder) -> Result<Plan, DatasetError> {
    let root = folder.root.clone();
    let twice_in = |file: &str, kind: &'static str, code: Option<String>| match code {
        None => Ok(()),
        Some(code) => Err(DatasetError::in_file(
            &format!("{root}/{file}"),
            format!("{kind} {code} appears twice"),
        )
        .coded(
            "twice",
            [
                ("kind", kind.to_string()),
                ("item", code),
                ("names", String::new()),
            ],
        )),
    };
    twice_in("orgs", "unit", twice(&folder.units, |u| u.code.to_string()))?;
    twice_in(
        "documents.toml",
        "document",
        twice(&folder.documents, |d| d.code.to_string()),
    )?;
    twice_in(
        "targets",
        "target",
        twice(&folder.targets, |t| t.code.to_string()),
    )?;
    twice_in(
        "tasks",
        "task",
        twice(&folder.tasks, |t| t.code.to_string()),
    )?;
    twice_in("rules", "rule", twice(&folder.rules, |r| r.code.clone()))?;
    twice_in(
        "dashboards",
        "dashboard",
        twice(&folder.dashboards, |d| d.code.to_string()),
    )?;
    let stored_tasks: HashMap<String, &Task> = current
        .tasks
        .iter()
        .map(|t| (t.code.to_string(), t))
        .collect();
    for t in &mut folder.tasks {
        if let Some(old) = stored_tasks.get(t.code.as_str()) {
            if old.parent != t.parent {
                return Err(DatasetError::in_file(
                    &format!("{root}/tasks"),
                    format!("task {} cannot move under another parent", t.code),
                )
                .coded("task-moved", [("code", t.code.to_string())]));
            }
            // A task closed through tiendo stays closed when its plan is loaded again.
            t.completed_on = t.completed_on.or(old.completed_on);
            t.cancelled_on = t.cancelled_on.or(old.cancelled_on);
        }
    }

    let unit_code = |u: &OrgUnit| u.code.to_string();
    let stored_units = current.hierarchy.units();
    let units = overlay(stored_units, &folder.units, unit_code);
    let known: HashSet<(String, String)> = current
        .hierarchy
        .successions()
        .iter()
        .map(|s| (s.predecessor.to_string(), s.successor.to_string()))
        .collect();
    let new_successions: Vec<Succession> = folder
        .successions
        .iter()
        .filter(|s| !known.contains(&(s.predecessor.to_string(), s.successor.to_string())))
        .cloned()
        .collect();
    let mut successions = current.hierarchy.successions().to_vec();
    successions.extend(new_successions.iter().cloned());
    let hierarchy = Hierarchy::new(units, successions)
        .map_err(|e| DatasetError::in_file(&format!("{root}/orgs"), e.to_string()))?;

    let doc_code = |d: &Document| d.code.to_string();
    let target_code = |t: &Target| t.code.to_string();
    let task_code = |t: &Task| t.code.to_string();
    let rule_code = |r: &ValidationRule| r.code.clone();
    let board_code = |d: &Dashboard| d.code.to_string();
    let merged = Dataset {
        hierarchy: hierarchy.clone(),
        documents: overlay(&current.documents, &folder.documents, doc_code),
        targets: overlay(&current.targets, &folder.targets, target_code),
        tasks: overlay(&current.tasks, &folder.tasks, task_code),
        values: folder.values.clone(),
        progress: Vec::new(),
        rules: overlay(&current.rules, &folder.rules, rule_code),
        dashboards: overlay(&current.dashboards, &folder.dashboards, board_code),
    };
    merged.cross_check(&root)?;
    check_values(&merged, &folder)?;

    Ok(Plan {
        units: compare(stored_units, &folder.units, unit_code, OrgUnit::clone),
        successions: new_successions,
        documents: compare(
            &current.documents,
            &folder.documents,
            doc_code,
            document_form,
        ),
        targets: compare(
            &current.targets,
            &folder.targets,
            target_code,
            Target::clone,
        ),
        tasks: compare(&current.tasks, &folder.tasks, task_code, task_form),
        rules: compare(
            &current.rules,
            &folder.rules,
            rule_code,
            ValidationRule::clone,
        ),
        dashboards: compare(
            &current.dashboards,
            &folder.dashboards,
            board_code,
            Dashboard::clone,
        ),
        values: folder.values,
        hierarchy,
        agency_mappings: Vec::new(),
    })
}

/// Every value passes the one admissibility rule, against the targets and units after the
/// load; the first refusal is returned at its file and line.
fn check_values(merged: &Dataset, folder: &Folder) -> Result<(), DatasetError> {
    let targets: HashMap<&str, &Target> = merged
        .targets
        .iter()
        .map(|t| (t.code.as_str(), t))
        .collect();
    let mut keys = HashSet::new();
    for (v, (file, line)) in folder.values.iter().zip(&folder.value_places) {
        if !keys.insert((&v.target, &v.org, v.period)) {
            return Err(DatasetError {
                file: file.clone(),
                line: Some(*line),
                field: None,
                message: format!("{} of {} for {} is given twice", v.target, v.org, v.period),
                code: "value-twice",
                args: Box::new([
                    ("target", v.target.to_string()),
                    ("unit", v.org.to_string()),
                    ("period", v.period.to_string()),
                ]),
                refusal: None,
            });
        }
        let at = |refusal: tiendo_domain::admissibility::Refusal| DatasetError {
            file: file.clone(),
            line: Some(*line),
            field: Some(refusal.field().to_string()),
            message: refusal.to_string(),
            code: "refused",
            args: Box::new([]),
            refusal: Some(Box::new(refusal)),
        };
        // The cross-check has resolved both codes.
        let (Some(target), Some(unit)) =
            (targets.get(v.target.as_str()), merged.hierarchy.get(&v.org))
        else {
            continue;
        };
        admit_text(v).map_err(at)?;
        admit(
            target,
            Reporter::of(&merged.hierarchy, unit),
            v.period,
            v.value,
            None,
        )
        .map_err(at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/strategy")
    }

    fn empty() -> Dataset {
        Dataset::with_hierarchy(Hierarchy::default())
    }

    #[test]
    fn the_example_folder_loads_into_an_empty_database() {
        let folder = read_folder(&example()).unwrap();
        assert_eq!(folder.ignored, vec!["README.md".to_string()]);
        let plan = plan(&empty(), folder).unwrap();
        assert_eq!(plan.units.new.len(), 3);
        assert_eq!(plan.documents.new.len(), 1);
        assert_eq!(plan.targets.new.len(), 3);
        assert_eq!(plan.tasks.new.len(), 3);
        assert_eq!(plan.values.len(), 2);
    }

    #[test]
    fn a_value_the_rule_refuses_is_named_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["orgs", "targets", "values"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            for entry in std::fs::read_dir(example().join(sub)).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
            }
        }
        std::fs::copy(
            example().join("documents.toml"),
            dir.path().join("documents.toml"),
        )
        .unwrap();
        let values = dir.path().join("values/so-lieu.csv");
        let mut text = std::fs::read_to_string(&values).unwrap();
        text.push_str("MAU-CT1,MAU-UBND,2025Q4,40,,nguồn\n");
        std::fs::write(&values, text).unwrap();
        let e = plan(&empty(), read_folder(dir.path()).unwrap()).unwrap_err();
        assert_eq!(e.line, Some(4));
        assert!(e.file.ends_with("so-lieu.csv"), "{e}");
        assert_eq!(e.refusal.unwrap().code(), "wrong_periodicity");
    }

    #[test]
    fn lists_in_another_order_are_no_change_and_a_key_given_twice_is_refused() {
        let folder = read_folder(&example()).unwrap();
        let mut stored = plan(&empty(), read_folder(&example()).unwrap()).unwrap();
        // The database returns coordinators and targets in code order.
        let mut current = Dataset::with_hierarchy(stored.hierarchy.clone());
        current.documents = std::mem::take(&mut stored.documents.new);
        current.targets = std::mem::take(&mut stored.targets.new);
        current.tasks = std::mem::take(&mut stored.tasks.new);
        for t in &mut current.tasks {
            t.coordinators.reverse();
            t.coordinators.push("MAU-UBND".parse().unwrap());
            t.coordinators.sort();
        }
        let mut folder = folder;
        for t in &mut folder.tasks {
            t.coordinators.push("MAU-UBND".parse().unwrap());
            t.coordinators.reverse();
        }
        let again = plan(&current, folder).unwrap();
        assert_eq!(again.tasks.unchanged, 3, "{:?}", again.tasks.changed);

        let mut twice = read_folder(&example()).unwrap();
        let first = twice.values[0].clone();
        twice.values.push(first);
        twice.value_places.push(("values/extra.csv".into(), 2));
        let e = plan(&empty(), twice).unwrap_err();
        assert_eq!(e.code, "value-twice");
        assert_eq!(e.file, "values/extra.csv");
    }

    #[test]
    fn folders_beyond_the_limits_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_folder(dir.path()).unwrap_err();
        assert_eq!(e.code, "empty-folder");
        // A sparse file: its size is what is checked, before anything is read.
        let big = std::fs::File::create(dir.path().join("documents.toml")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = read_folder(dir.path()).unwrap_err();
        assert_eq!(e.code, "file-too-large");
        std::fs::remove_file(dir.path().join("documents.toml")).unwrap();
        std::fs::create_dir(dir.path().join("values")).unwrap();
        for i in 0..=MAX_FILES {
            std::fs::write(dir.path().join(format!("values/{i}.csv")), "").unwrap();
        }
        let e = read_folder(dir.path()).unwrap_err();
        assert_eq!(e.code, "too-many-files");
    }
}
