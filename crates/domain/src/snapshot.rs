//! Everything evaluation reads on a day, as one value.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};

use crate::orgs::{Hierarchy, OrgCode, Validity};
use crate::targets::{Target, TargetCode};
use crate::tasks::{Task, TaskCode};
use crate::values::SeriesMap;

/// The parts an approval leaves as they were are shared (`Arc`), so the resident model's copy
/// for each batch of approvals copies only the series: at national scale the reporters alone
/// are a million unit codes.
#[derive(Clone)]
pub struct Snapshot {
    pub day: NaiveDate,
    pub hierarchy: Arc<Hierarchy>,
    pub tasks: Arc<Vec<Task>>,
    /// The latest progress update of each task that has one.
    pub last_progress: Arc<HashMap<TaskCode, NaiveDate>>,
    pub targets: Arc<Vec<Target>>,
    pub series: SeriesMap,
    /// The units expected to report each target, with the days each is in force.
    pub reporters: Arc<HashMap<TargetCode, Vec<(OrgCode, Validity)>>>,
}

impl Snapshot {
    /// Works out who must report each target: the units it names, or of its kinds, in force
    /// during the year before `day` (a unit that ceased still owes its last reports); nobody
    /// for figures another unit publishes about them.
    pub fn new(
        day: NaiveDate,
        hierarchy: Hierarchy,
        tasks: Vec<Task>,
        last_progress: HashMap<TaskCode, NaiveDate>,
        targets: Vec<Target>,
        series: SeriesMap,
    ) -> Snapshot {
        let year_ago = day.checked_sub_days(Days::new(366)).unwrap_or(day);
        let reporters = targets
            .iter()
            .map(|t| {
                let units = hierarchy
                    .units()
                    .iter()
                    .filter(|_| t.reporters.self_reported())
                    .filter(|u| u.validity.overlaps(year_ago, day))
                    .filter(|u| {
                        t.reporters.kinds.contains(&u.kind) || t.reporters.units.contains(&u.code)
                    })
                    .map(|u| (u.code.clone(), u.validity))
                    .collect();
                (t.code.clone(), units)
            })
            .collect();
        Snapshot {
            day,
            hierarchy: Arc::new(hierarchy),
            tasks: Arc::new(tasks),
            last_progress: Arc::new(last_progress),
            targets: Arc::new(targets),
            series,
            reporters: Arc::new(reporters),
        }
    }
}
