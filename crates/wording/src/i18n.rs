//! Languages: Vietnamese by default, English on request; messages in Fluent files.

use fluent_templates::{static_loader, LanguageIdentifier, Loader};
use serde::Deserialize;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        // Bidi isolation marks around arguments show up as stray characters in HTML.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        // Parsed once: a page looks up dozens of messages.
        static IDS: std::sync::LazyLock<[LanguageIdentifier; 2]> = std::sync::LazyLock::new(|| {
            ["vi", "en"].map(|c| c.parse().expect("vi and en are language identifiers"))
        });
        &IDS[self as usize]
    }

    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The message `key` where one exists (in this language or the fallback).
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// A message with `{ $name }` arguments filled in.
    pub fn t_args(self, key: &str, args: &[(&str, String)]) -> String {
        LOCALES.lookup_with_args(self.id(), key, &fluent_args(args))
    }

    /// The message `key` with its arguments, where one exists.
    pub fn try_t_args(self, key: &str, args: &[(&str, String)]) -> Option<String> {
        LOCALES.try_lookup_with_args(self.id(), key, &fluent_args(args))
    }

    /// A number in the language's convention: `1.234,5` in Vietnamese, `1,234.5` in English.
    pub fn number(self, v: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, v.abs());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let (group, point) = match self {
            Lang::Vi => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let sign = if v < 0.0 && text.chars().any(|c| c != '0' && c != '.') {
            "-"
        } else {
            ""
        };
        if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{point}{frac}")
        }
    }

    /// A date: `22/11/2026` in Vietnamese, `2026-11-22` in English.
    pub fn date(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }
}

fn fluent_args(
    args: &[(&str, String)],
) -> std::collections::HashMap<
    std::borrow::Cow<'static, str>,
    fluent_templates::fluent_bundle::FluentValue<'static>,
> {
    args.iter()
        .map(|(k, v)| (std::borrow::Cow::Owned(k.to_string()), v.clone().into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(Lang::Vi.number(1234567.891, 1), "1.234.567,9");
        assert_eq!(Lang::En.number(1234567.891, 1), "1,234,567.9");
        assert_eq!(Lang::Vi.number(-0.5, 2), "-0,50");
        assert_eq!(Lang::En.number(999.0, 0), "999");
        let d = "2026-11-22".parse().unwrap();
        assert_eq!(Lang::Vi.date(d), "22/11/2026");
        assert_eq!(Lang::En.date(d), "2026-11-22");
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let messages: Vec<(&str, &str)> = include_str!("../locales/vi/main.ftl")
            .lines()
            .filter_map(|l| l.split_once(" = "))
            .collect();
        let en = include_str!("../locales/en/main.ftl");
        for (k, text) in messages {
            assert!(
                en.lines().any(|l| l.starts_with(&format!("{k} = "))),
                "{k} has no English text"
            );
            // A message with `{ $name }` arguments is looked up with each one given.
            let args: Vec<(&str, String)> = text
                .split("{ $")
                .skip(1)
                .filter_map(|rest| {
                    rest.split_once(' ')
                        .map(|(name, _)| (name, "1".to_string()))
                })
                .collect();
            let (vi, en) = (Lang::Vi.t_args(k, &args), Lang::En.t_args(k, &args));
            assert!(!vi.starts_with("Unknown localization key"), "{k}: {vi}");
            // A message of arguments and the product's name alone reads the same in both.
            let words: String = text
                .split("{ $")
                .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
                .collect::<String>()
                .replace("tiendo", "");
            if words.chars().any(char::is_alphabetic) {
                assert_ne!(en, vi, "{k} is not translated");
            }
        }
    }
}
