//! `tiendo synth`: a synthetic national dataset, for measuring at full scale.

use std::time::Instant;

use anyhow::{Context, Result};
use tiendo_dataset::synth::{national, Scale};
use tiendo_storage::Store;

use crate::BadInput;

pub async fn run(store: &Store, url: &str, seed: u64, small: bool, yes: bool) -> Result<()> {
    if !store.is_empty().await? {
        if !yes {
            return Err(BadInput(format!(
                "{url} already holds data and was left unchanged; run `tiendo synth --yes` to replace it"
            ))
            .into());
        }
        store.reset().await?;
    }
    let started = Instant::now();
    let scale = if small { Scale::SMALL } else { Scale::NATIONAL };
    let dataset = national(seed, scale).context("generating the synthetic dataset")?;
    let generated = started.elapsed();
    let started = Instant::now();
    store.load_dataset(&dataset).await?;
    println!(
        "Synthetic national dataset in {url}: {} units, {} targets, {} values, {} tasks, {} progress updates \
         (generated in {:.1} s, written in {:.1} s)",
        dataset.hierarchy.units().len(),
        dataset.targets.len(),
        dataset.values.len(),
        dataset.tasks.len(),
        dataset.progress.len(),
        generated.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    println!("Every generated unit, target, value and task is marked synthetic. Next: tiendo bench evaluation");
    Ok(())
}
