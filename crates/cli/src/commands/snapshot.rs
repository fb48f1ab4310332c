//! Everything evaluation reads on a day, fetched from the store once.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{Days, NaiveDate};
use tiendo_domain::orgs::{Hierarchy, OrgCode, Validity};
use tiendo_domain::targets::{Target, TargetCode};
use tiendo_domain::tasks::{Clearance, Task, TaskCode};
use tiendo_domain::values::SeriesMap;
use tiendo_evaluation::warnings::Inputs;
use tiendo_storage::{Store, TaskFilter};

pub struct Snapshot {
    pub day: NaiveDate,
    pub hierarchy: Hierarchy,
    tasks: Vec<Task>,
    last_progress: HashMap<TaskCode, NaiveDate>,
    targets: Vec<Target>,
    series: SeriesMap,
    reporters: HashMap<TargetCode, Vec<(OrgCode, Validity)>>,
}

impl Snapshot {
    pub async fn load(store: &Store, day: NaiveDate) -> Result<Snapshot> {
        let hierarchy = store.hierarchy().await?;
        let tasks = store.tasks(&TaskFilter::all(Clearance::Internal)).await?;
        let last_progress = store.last_progress_dates().await?;
        let targets = store.targets(None).await?;
        let series = store.current_series().await?;
        // Who must report: units named by the target, or of its kinds, in force during the
        // last year (a unit that ceased still owes the reports of its last periods).
        let year_ago = day - Days::new(366);
        let reporters = targets
            .iter()
            .map(|t| {
                let units = hierarchy
                    .units()
                    .iter()
                    .filter(|u| u.validity.overlaps(year_ago, day))
                    .filter(|u| {
                        t.reporters.kinds.contains(&u.kind) || t.reporters.units.contains(&u.code)
                    })
                    .map(|u| (u.code.clone(), u.validity))
                    .collect();
                (t.code.clone(), units)
            })
            .collect();
        Ok(Snapshot {
            day,
            hierarchy,
            tasks,
            last_progress,
            targets,
            series,
            reporters,
        })
    }

    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            day: self.day,
            tasks: &self.tasks,
            last_progress: &self.last_progress,
            targets: &self.targets,
            series: &self.series,
            reporters: &self.reporters,
        }
    }
}
