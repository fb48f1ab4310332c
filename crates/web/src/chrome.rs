//! What every page shares: its language and the switch to the other, who is logged in, the
//! navigation that user may follow, and the CSRF token its forms carry.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::Viewer;
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::AppState;

/// The page's frame, built per request.
pub struct Chrome {
    pub l: Lang,
    /// This page in the other language.
    pub switch: String,
    pub user: Option<String>,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<(String, String)>,
}

impl Chrome {
    pub fn new(l: Lang, viewer: &Viewer, path_and_query: &str) -> Chrome {
        let link = |path: &str, key: &str| (format!("{path}?lang={}", l.code()), l.t(key));
        let a = &viewer.access;
        let mut nav = vec![
            link("/", "nav-overview"),
            link("/documents", "nav-documents"),
            link("/tasks", "nav-tasks"),
            link("/indices/pii-like", "nav-indices"),
            link("/reporting", "nav-reporting"),
            link("/dashboards", "nav-dashboards"),
            link("/open-data", "nav-open-data"),
            link("/feedback", "nav-feedback"),
        ];
        if matches!(
            a.role(),
            tiendo_domain::accounts::Role::StandingOffice | tiendo_domain::accounts::Role::Reporter
        ) {
            nav.insert(0, link("/work", "nav-work"));
        }
        if a.is_official() {
            nav.push(link("/feedback/inbox", "nav-inbox"));
        }
        if let Some(unit) = a.capture_scope() {
            nav.push(link(&format!("/units/{unit}/entry"), "nav-entry"));
        }
        if matches!(
            a.role(),
            tiendo_domain::accounts::Role::StandingOffice | tiendo_domain::accounts::Role::Reporter
        ) {
            nav.push(link("/approvals", "nav-approvals"));
        }
        if a.definition_scope().is_some() {
            nav.push(link("/admin/define", "nav-define"));
        }
        if a.may_define() {
            nav.push(link("/admin/reopen", "nav-reopen"));
        }
        if a.may_administer() {
            nav.push(link("/admin/users", "nav-users"));
        }
        if a.may_audit() {
            nav.push(link("/admin/audit", "nav-audit"));
        }
        if viewer.user.is_some() {
            nav.push(link("/account", "nav-account"));
        }
        Chrome {
            l,
            switch: with_lang(path_and_query, l.other()),
            user: viewer.user.as_ref().map(|u| u.display_name.clone()),
            role: l.t(&format!("role-{}", a.role())),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            nav,
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.l.t(key)
    }

    /// A link inside the site that keeps the page's language.
    pub fn href(&self, path: &str) -> String {
        with_lang(path, self.l)
    }
}

/// `path` with its `lang` parameter set to `l`, other parameters kept.
pub fn with_lang(path_and_query: &str, l: Lang) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang = format!("lang={}", l.code());
    parts.push(&lang);
    format!("{path}?{}", parts.join("&"))
}

/// The request's caller, language and frame, for page handlers.
pub struct Page {
    pub viewer: Viewer,
    pub chrome: Chrome,
}

impl Page {
    pub fn l(&self) -> Lang {
        self.chrome.l
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Page, Failure> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        let query = parts.uri.query().unwrap_or("");
        let lang = lang_of(query)?;
        let pq = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
        let chrome = Chrome::new(lang, &viewer, &pq);
        Ok(Page { viewer, chrome })
    }
}

/// The page's language from its query: `lang=vi` (the default) or `lang=en`.
fn lang_of(query: &str) -> Result<Lang, Failure> {
    let lang = query
        .split('&')
        .find_map(|p| p.strip_prefix("lang="))
        .unwrap_or("vi");
    match lang {
        "vi" | "" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        other => Err(Failure::bad_request(
            "unknown_language",
            format!(
                "unknown language \"{}\": use vi or en",
                crate::failure::escape(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_keeps_other_parameters() {
        assert_eq!(
            with_lang("/tasks?status=overdue&lang=vi", Lang::En),
            "/tasks?status=overdue&lang=en"
        );
        assert_eq!(with_lang("/", Lang::Vi), "/?lang=vi");
    }
}
