//! An e-mail address: one validated type for every address tiendo stores or writes to (a
//! feedback sender's, an officer's for notifications).

use std::fmt;

/// A plausible e-mail address, lower-cased: one `@`, a local part, a domain with a dot not at
/// its ends, no spaces or control characters, at most 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an e-mail address")]
pub struct EmailError(pub String);

impl std::str::FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Email, EmailError> {
        let e = s.trim().to_lowercase();
        let valid = e.chars().count() <= 200
            && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            && e.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty()
                    && !host.contains('@')
                    && host.contains('.')
                    && !host.starts_with('.')
                    && !host.ends_with('.')
                    && !host.contains("..")
            });
        if valid {
            Ok(Email(e))
        } else {
            Err(EmailError(s.trim().to_string()))
        }
    }
}

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_people_use_pass_and_others_do_not() {
        let ok: Email = " Can.Bo@HaTinh.gov.vn ".parse().unwrap();
        assert_eq!(ok.as_str(), "can.bo@hatinh.gov.vn");
        for bad in [
            "",
            "a",
            "a@b",
            "@x.vn",
            "a@.vn",
            "a@vn.",
            "a b@x.vn",
            "a@b@x.vn",
            "a@x..vn",
            "a@x.vn\u{0}",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?}");
        }
        assert!(format!("{}@x.vn", "a".repeat(200))
            .parse::<Email>()
            .is_err());
    }

    proptest! {
        /// Whatever is typed, parsing answers and a parsed address parses again to itself.
        #[test]
        fn parsing_is_total_and_stable(s in ".{0,60}") {
            if let Ok(e) = s.parse::<Email>() {
                prop_assert_eq!(e.as_str().parse::<Email>().unwrap(), e);
            }
        }
    }
}
