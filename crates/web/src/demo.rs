//! Accounts of a demo database: one per role, with a shared password printed by
//! `tiendo demo` and `tiendo serve`, so a new user can try every part of the application.

use tiendo_domain::accounts::{Access, Role};
use tiendo_storage::{NewUser, Store};

use crate::auth::Passwords;
use crate::failure::Failure;

/// The password of every demo account. Demo databases only: create real accounts on the
/// administration page.
pub const DEMO_PASSWORD: &str = "tiendo-demo-2025";

/// (user name, display name, role, capture scope, view scope)
pub const DEMO_ACCOUNTS: [(&str, &str, Role, Option<&str>, Option<&str>); 7] = [
    ("admin", "Quản trị hệ thống", Role::Admin, None, None),
    (
        "van-phong",
        "Văn phòng Ban Chỉ đạo",
        Role::StandingOffice,
        None,
        None,
    ),
    (
        "ha-tinh",
        "Cán bộ báo cáo Hà Tĩnh",
        Role::Reporter,
        Some("HA-TINH"),
        None,
    ),
    (
        "nghe-an",
        "Cán bộ báo cáo Nghệ An",
        Role::Reporter,
        Some("NGHE-AN"),
        None,
    ),
    ("lanh-dao", "Lãnh đạo", Role::Viewer, None, None),
    ("thanh-tra", "Thanh tra", Role::Inspector, None, None),
    ("cong-dan", "Người dân", Role::Public, None, None),
];

/// Creates the demo accounts that do not exist yet; returns how many were created.
pub async fn ensure_demo_accounts(store: &Store, passwords: &Passwords) -> Result<usize, Failure> {
    let mut created = 0;
    for (name, display, role, capture, view) in DEMO_ACCOUNTS {
        let username = name
            .parse()
            .map_err(|e| Failure::internal(format!("{e}")))?;
        if store.user(&username).await?.is_some() {
            continue;
        }
        let scope = |s: Option<&str>| s.map(str::parse).transpose();
        let access = Access::new(
            role,
            scope(capture).map_err(|e| Failure::internal(format!("{e}")))?,
            scope(view).map_err(|e| Failure::internal(format!("{e}")))?,
        )
        .map_err(|e| Failure::internal(e.to_string()))?;
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: display.to_string(),
                    password_hash: passwords.hash(DEMO_PASSWORD)?,
                    access,
                },
                "tiendo demo",
            )
            .await?;
        created += 1;
    }
    Ok(created)
}
