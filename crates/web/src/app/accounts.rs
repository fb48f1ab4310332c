//! A user's own account: choosing their own password, which an account whose password someone
//! else chose must do before anything else.

use tiendo_domain::accounts::check_password;

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::AppState;

/// Why a password was not changed: a message name of the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The current password does not match.
    WrongCurrent,
    /// The two new passwords differ.
    Mismatch,
    /// The new one is the one being replaced.
    Unchanged,
    /// The password rule (`password-…` messages).
    Rule(&'static str),
}

/// Changes the caller's password to `new` once `current` is verified.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current: &str,
    new: &str,
    again: &str,
) -> Result<Result<(), Refused>, Failure> {
    let user = viewer.require_login()?;
    let Some((_, hash)) = state.store.credentials(&user.username).await? else {
        return Err(Failure::login_required());
    };
    if !state.passwords.verify(&hash, current) {
        return Ok(Err(Refused::WrongCurrent));
    }
    if new != again {
        return Ok(Err(Refused::Mismatch));
    }
    if new == current {
        return Ok(Err(Refused::Unchanged));
    }
    if let Err(r) = check_password(new, user.username.as_str()) {
        return Ok(Err(Refused::Rule(r.code())));
    }
    let hash = state.passwords.hash(new)?;
    state
        .store
        .set_password(&user.username, &hash, false, user.username.as_str())
        .await?;
    Ok(Ok(()))
}
