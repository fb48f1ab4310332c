//! Accounts of a demo database: one per role, with a shared password printed by
//! `tiendo demo` and `tiendo serve`, so a new user can try every part of the application.

use tiendo_domain::accounts::{Access, Role};
use tiendo_storage::{NewUser, Store};

use crate::auth::Passwords;
use crate::failure::Failure;

/// The password of every demo account. Demo databases only: create real accounts on the
/// administration page.
pub const DEMO_PASSWORD: &str = "tiendo-demo-2025";

/// One demo account.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub capture: Option<&'static str>,
}

const fn account(
    username: &'static str,
    display_name: &'static str,
    role: Role,
    capture: Option<&'static str>,
) -> DemoAccount {
    DemoAccount {
        username,
        display_name,
        role,
        capture,
    }
}

pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    account("admin", "Quản trị hệ thống", Role::Admin, None),
    account(
        "van-phong",
        "Văn phòng Ban Chỉ đạo",
        Role::StandingOffice,
        None,
    ),
    account(
        "ha-tinh",
        "Cán bộ báo cáo Hà Tĩnh",
        Role::Reporter,
        Some("HA-TINH"),
    ),
    account(
        "nghe-an",
        "Cán bộ báo cáo Nghệ An",
        Role::Reporter,
        Some("NGHE-AN"),
    ),
    account("lanh-dao", "Lãnh đạo", Role::Viewer, None),
    account("thanh-tra", "Thanh tra", Role::Inspector, None),
    account("cong-dan", "Người dân", Role::Public, None),
];

/// Creates the demo accounts that do not exist yet; returns how many were created.
pub async fn ensure_demo_accounts(store: &Store, passwords: &Passwords) -> Result<usize, Failure> {
    let mut created = 0;
    for a in &DEMO_ACCOUNTS {
        let invalid = |e: String| Failure::internal(format!("demo account {}: {e}", a.username));
        let username = a.username.parse().map_err(|e| invalid(format!("{e}")))?;
        if store.user(&username).await?.is_some() {
            continue;
        }
        let capture = a
            .capture
            .map(str::parse)
            .transpose()
            .map_err(|e| invalid(format!("{e}")))?;
        let access = Access::new(a.role, capture, None).map_err(|e| invalid(e.to_string()))?;
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: a.display_name.to_string(),
                    password_hash: passwords.hash(DEMO_PASSWORD)?,
                    access,
                    // The demo's password is published: changing it is up to whoever runs one.
                    must_change_password: false,
                },
                "tiendo demo",
            )
            .await?;
        created += 1;
    }
    Ok(created)
}
