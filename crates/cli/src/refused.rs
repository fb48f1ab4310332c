//! A refused file, worded for the person at the terminal in their language: each problem with
//! its place, targets and units by name, and that nothing was written.

use std::path::Path;

use anyhow::Result;
use tiendo_domain::orgs::Hierarchy;
use tiendo_domain::problems::Problem;
use tiendo_domain::targets::Target;
use tiendo_storage::Store;
use tiendo_wording::{Catalogue, Lang, Names};

use crate::BadInput;

/// Problems listed before the rest are summed up: a terminal shows the first screenful.
const LISTED: usize = 20;

/// The catalogue a refusal names things from: the targets and the whole hierarchy.
pub struct Known {
    pub targets: Vec<Target>,
    pub hierarchy: Hierarchy,
}

impl Known {
    pub async fn load(store: &Store) -> Result<Known> {
        Ok(Known {
            targets: store.targets(None).await?,
            hierarchy: store.hierarchy().await?,
        })
    }

    pub fn names(&self, l: Lang) -> Catalogue<'_> {
        Catalogue {
            l,
            targets: &self.targets,
            hierarchy: &self.hierarchy,
        }
    }
}

/// A file that could not be read at all.
pub fn unreadable(l: Lang, path: &Path, e: &std::io::Error) -> BadInput {
    BadInput(l.t_args(
        "cli-cannot-read",
        &[
            ("file", path.display().to_string()),
            ("reason", e.to_string()),
        ],
    ))
}

/// The file `file` refused for `problems`, each with its place.
pub fn rejected(l: Lang, file: &str, problems: &[Problem], names: &dyn Names) -> BadInput {
    listed(
        l,
        file,
        problems
            .iter()
            .map(|p| tiendo_wording::problem_placed(l, p, names)),
        problems.len(),
    )
}

/// The file `file` refused for `count` problems already worded.
pub fn listed(l: Lang, file: &str, lines: impl Iterator<Item = String>, count: usize) -> BadInput {
    let mut text = l.t_args("cli-file-rejected", &[("file", file.to_string())]);
    for line in lines.take(LISTED) {
        text.push_str(&format!("\n  {file}, {line}"));
    }
    if count >= LISTED {
        text.push_str("\n  ");
        text.push_str(&l.t_args("cli-more-problems", &[("count", LISTED.to_string())]));
    }
    BadInput(text)
}

/// What an import did: new, updated and unchanged values, and whether it only checked.
pub fn imported(l: Lang, file: &str, s: &tiendo_storage::ImportSummary, dry_run: bool) -> String {
    let mut text = l.t_args(
        "cli-imported",
        &[
            ("file", file.to_string()),
            ("imported", s.imported.to_string()),
            ("updated", s.updated.to_string()),
            ("ignored", s.ignored.to_string()),
        ],
    );
    if dry_run {
        text.push(' ');
        text.push_str(&l.t("cli-dry-run"));
    }
    text
}
