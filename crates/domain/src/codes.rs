//! Codes that name things across files, databases and URLs.
//!
//! Every code type is a validated newtype: 1 to 64 characters, none of them white space or
//! control characters. Codes may hold letters such as `Đ` because official document numbers do
//! (`366-QĐ/TW`).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{input}\" is not a valid {what}: {reason}")]
pub struct CodeError {
    pub what: &'static str,
    pub input: String,
    pub reason: &'static str,
    /// Stable, for the reader's language: `empty`, `too-long` or `white-space`.
    pub problem: &'static str,
}

pub(crate) fn check_code(what: &'static str, s: &str) -> Result<(), CodeError> {
    let reason = if s.is_empty() {
        Some(("empty", "it is empty"))
    } else if s.chars().count() > 64 {
        Some(("too-long", "it is longer than 64 characters"))
    } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(("white-space", "it contains white space"))
    } else {
        None
    };
    match reason {
        Some((problem, reason)) => Err(CodeError {
            what,
            input: s.to_string(),
            reason,
            problem,
        }),
        None => Ok(()),
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::codes::CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::codes::check_code($what, s)?;
                Ok($name(s.to_string()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use code_type;

#[cfg(test)]
mod tests {
    use crate::documents::DocumentCode;
    use crate::orgs::OrgCode;

    #[test]
    fn codes_accept_official_numbers_and_reject_blanks() {
        assert!("366-QĐ/TW".parse::<DocumentCode>().is_ok());
        assert!("HA-TINH".parse::<OrgCode>().is_ok());
        let e = "HA TINH".parse::<OrgCode>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"HA TINH\" is not a valid organisation unit code: it contains white space"
        );
        assert!("".parse::<OrgCode>().is_err());
    }
}
