//! `tiendo audit verify`: the audit log's hash chain recomputed from its first entry.

use anyhow::{anyhow, Result};
use tiendo_storage::Store;
use tiendo_wording::Lang;

/// Prints the chain's state in `lang`; a broken chain is an error (exit 1) naming the first
/// entry at fault.
pub async fn verify(store: &Store, lang: Lang) -> Result<()> {
    let state = store.verify_audit().await?;
    let broken = state
        .broken
        .as_ref()
        .map(|b| (b.entry, tiendo_wording::serde_name(&b.reason)));
    let text = tiendo_wording::audit_chain(
        lang,
        state.checked,
        state.before_chain,
        broken.as_ref().map(|(e, r)| (*e, r.as_str())),
    );
    if state.broken.is_some() {
        return Err(anyhow!(text));
    }
    println!("{text}");
    println!(
        "{}",
        lang.t_args("audit-chain-head", &[("length", state.length.to_string())])
    );
    for head in &state.heads {
        println!(
            "{}: {}",
            tiendo_wording::audit_lane(lang, head.lane, head.length),
            head.hash
        );
    }
    Ok(())
}
