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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DatasetError {
    pub file: &'static str,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
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
    pub(crate) fn in_file(file: &'static str, message: impl Into<String>) -> Self {
        DatasetError {
            file,
            line: None,
            field: None,
            message: message.into(),
        }
    }
}

/// One CSV record with its line number, read by column name.
pub(crate) struct Row<'a> {
    file: &'static str,
    line: u64,
    headers: &'a csv::StringRecord,
    record: csv::StringRecord,
}

impl Row<'_> {
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> DatasetError {
        DatasetError {
            file: self.file,
            line: Some(self.line),
            field: Some(field.to_string()),
            message: message.into(),
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
    file: &DataFile,
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
            file: file.path,
            line: e.position().map(|p| p.line()),
            field: None,
            message: e.to_string(),
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

pub(crate) fn read_toml<T: for<'de> Deserialize<'de>>(file: &DataFile) -> Result<T, DatasetError> {
    toml::from_str(file.text).map_err(|e| DatasetError {
        file: file.path,
        line: e
            .span()
            .map(|s| file.text[..s.start].matches('\n').count() as u64 + 1),
        field: None,
        message: e.message().to_string(),
    })
}

pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(file: &DataFile) -> Result<T, DatasetError> {
    serde_json::from_str(file.text).map_err(|e| DatasetError {
        file: file.path,
        line: Some(e.line() as u64),
        field: None,
        message: e.to_string(),
    })
}

fn read_units(file: &DataFile) -> Result<Vec<OrgUnit>, DatasetError> {
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

/// Reads, checks and cross-references the whole reference dataset.
pub fn reference() -> Result<Dataset, DatasetError> {
    let mut units = read_units(&files::CENTRAL_UNITS)?;
    let provinces = read_units(&files::PROVINCES)?;
    let communes = communes::generate(&provinces)?;
    units.extend(provinces);
    units.extend(communes);
    let successions = read_csv(&files::SUCCESSIONS, |row| {
        Ok(Succession {
            predecessor: row.parse("predecessor")?,
            successor: row.parse("successor")?,
            effective: row.parse("effective")?,
            source: Some(row.parse("source")?),
        })
    })?;
    let hierarchy = Hierarchy::new(units, successions)
        .map_err(|e| DatasetError::in_file(files::PROVINCES.path, e.to_string()))?;

    let documents = read_toml::<DocumentsFile>(&files::DOCUMENTS)?.document;
    let mut targets = Vec::new();
    for file in &files::TARGET_FILES {
        let list = read_toml::<TargetsFile>(file)?.target;
        for t in &list {
            t.validate()
                .map_err(|e| DatasetError::in_file(file.path, e.to_string()))?;
        }
        targets.extend(list);
    }
    let mut tasks = read_toml::<TasksFile>(&files::TASKS)?.task;
    let (programme, progress) = programme::read(&hierarchy, &documents)?;
    tasks.extend(programme);
    let mut values = Vec::new();
    for file in &files::VALUE_FILES {
        values.extend(read_csv(file, |row| {
            Ok(NewValue {
                target: row.parse("target")?,
                org: row.parse("org")?,
                period: row.parse("period")?,
                value: row.parse::<Number>("value")?,
                comment: row.opt("comment").map(str::to_string),
                source: Some(row.parse("source")?),
            })
        })?);
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
            .map(|f| {
                tiendo_domain::dashboards::Dashboard::from_file(f.text.as_bytes())
                    .map_err(|e| DatasetError::in_file(f.path, e.to_string()))
            })
            .collect::<Result<_, _>>()?,
    };
    dataset.cross_check()?;
    Ok(dataset)
}

impl Dataset {
    pub(crate) fn cross_check(&self) -> Result<(), DatasetError> {
        let h = &self.hierarchy;
        let unit = |file: &'static str, what: &str, code: &OrgCode| {
            h.get(code).map(|_| ()).ok_or_else(|| {
                DatasetError::in_file(
                    file,
                    format!("{what} names unit {code}, which is not defined in data/orgs"),
                )
            })
        };
        let docs: HashMap<&DocumentCode, &Document> =
            self.documents.iter().map(|d| (&d.code, d)).collect();
        let doc = |file: &'static str, what: &str, code: &DocumentCode| {
            docs.get(code).copied().ok_or_else(|| {
                DatasetError::in_file(
                    file,
                    format!("{what} names document {code}, which is not in data/documents.toml"),
                )
            })
        };
        let dfile = files::DOCUMENTS.path;
        let mut seen = HashSet::new();
        for d in &self.documents {
            if !seen.insert(&d.code) {
                return Err(DatasetError::in_file(
                    dfile,
                    format!("document {} appears twice", d.code),
                ));
            }
            if let Some(i) = &d.issuer {
                unit(dfile, &format!("document {}", d.code), i)?;
            }
            for imp in &d.implements {
                doc(dfile, &format!("document {} (implements)", d.code), imp)?;
            }
        }

        let tfile = "data/targets";
        let mut target_codes = HashSet::new();
        for t in &self.targets {
            if !target_codes.insert(&t.code) {
                return Err(DatasetError::in_file(
                    tfile,
                    format!("target {} appears twice", t.code),
                ));
            }
            let what = format!("target {}", t.code);
            if let Some(dc) = &t.document {
                let d = doc(tfile, &what, dc)?;
                if let Some(g) = &t.group {
                    d.section(g).ok_or_else(|| {
                        DatasetError::in_file(
                            tfile,
                            format!("{what} names group {g}, which document {dc} does not have"),
                        )
                    })?;
                }
            }
            for u in t.reporters.units.iter().chain(&t.reporters.published_by) {
                unit(tfile, &what, u)?;
            }
        }

        for d in &self.dashboards {
            let dfile = "data/dashboards/";
            if self.hierarchy.get(&d.owner).is_none() {
                return Err(DatasetError::in_file(
                    dfile,
                    format!(
                        "dashboard {} belongs to unit {}, which is not defined",
                        d.code, d.owner
                    ),
                ));
            }
            if let Some(t) = d
                .widgets
                .iter()
                .flat_map(|w| w.targets())
                .find(|t| !target_codes.contains(t))
            {
                return Err(DatasetError::in_file(
                    dfile,
                    format!(
                        "dashboard {} reads target {t}, which is not defined",
                        d.code
                    ),
                ));
            }
        }

        let rfile = files::VALIDATION_RULES.path;
        let mut rule_codes = HashSet::new();
        for r in &self.rules {
            if !rule_codes.insert(&r.code) {
                return Err(DatasetError::in_file(
                    rfile,
                    format!("rule {} appears twice", r.code),
                ));
            }
            if let Some(t) = r.targets().find(|t| !target_codes.contains(t)) {
                return Err(DatasetError::in_file(
                    rfile,
                    format!("rule {} reads target {t}, which is not defined", r.code),
                ));
            }
        }

        let kfile = files::TASKS.path;
        let by_code: HashMap<&TaskCode, &Task> = self.tasks.iter().map(|t| (&t.code, t)).collect();
        if by_code.len() != self.tasks.len() {
            return Err(DatasetError::in_file(kfile, "a task code appears twice"));
        }
        for t in &self.tasks {
            t.validate()
                .map_err(|e| DatasetError::in_file(kfile, e.to_string()))?;
            let what = format!("task {}", t.code);
            let d = doc(kfile, &what, &t.document)?;
            if let Some(g) = &t.group {
                d.section(g).ok_or_else(|| {
                    DatasetError::in_file(
                        kfile,
                        format!(
                            "{what} names group {g}, which document {} does not have",
                            d.code
                        ),
                    )
                })?;
            }
            unit(kfile, &what, &t.lead)?;
            for c in &t.coordinators {
                unit(kfile, &what, c)?;
            }
            for tc in &t.targets {
                if !target_codes.contains(tc) {
                    return Err(DatasetError::in_file(
                        kfile,
                        format!("{what} names target {tc}, which is not defined"),
                    ));
                }
            }
            let mut depth = 1;
            let mut parent = t.parent.as_ref();
            while let Some(p) = parent {
                depth += 1;
                let pt = by_code.get(p).ok_or_else(|| {
                    DatasetError::in_file(
                        kfile,
                        format!("{what} names parent {p}, which is not defined"),
                    )
                })?;
                if depth > MAX_TASK_DEPTH {
                    return Err(DatasetError::in_file(
                        kfile,
                        format!("{what} nests deeper than {MAX_TASK_DEPTH} levels"),
                    ));
                }
                parent = pt.parent.as_ref();
            }
        }

        let vfile = "data/values";
        for v in &self.values {
            if !target_codes.contains(&v.target) {
                return Err(DatasetError::in_file(
                    vfile,
                    format!("value names target {}, which is not defined", v.target),
                ));
            }
            unit(vfile, "a value", &v.org)?;
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
