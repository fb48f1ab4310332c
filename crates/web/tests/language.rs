//! Vietnamese first: every page every role can reach, crawled in Vietnamese, reads in
//! Vietnamese. The test follows the links of each page as each demo account (and a visitor)
//! would, takes the text a reader sees — words, button labels, placeholders, titles — and fails
//! on English words (a stop-word list is enough to catch a sentence), and on a unit's code
//! shown without its name.
//!
//! The built-in dataset's sources (addresses and publication titles, as published) are data,
//! not the product's wording, and are taken out before the check (their count is printed).

mod support;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use axum::http::StatusCode;
use support::{demo, Client};

/// Words that are English and not Vietnamese, even without diacritics. Short words that are
/// also Vietnamese (`to`, `no`, `do`, `an`, `can`, `ban`, `the`) are left out.
const ENGLISH: &[&str] = &[
    "and",
    "are",
    "is",
    "not",
    "of",
    "for",
    "with",
    "has",
    "have",
    "from",
    "this",
    "that",
    "will",
    "must",
    "may",
    "cannot",
    "there",
    "which",
    "what",
    "when",
    "your",
    "you",
    "it",
    "its",
    "by",
    "or",
    "at",
    "on",
    "be",
    "been",
    "was",
    "were",
    "value",
    "values",
    "report",
    "reports",
    "missing",
    "target",
    "targets",
    "task",
    "tasks",
    "unit",
    "units",
    "period",
    "approved",
    "submitted",
    "draft",
    "returned",
    "overdue",
    "due",
    "progress",
    "score",
    "status",
    "none",
    "yes",
    "public",
    "internal",
    "secret",
    "increase",
    "decrease",
    "sum",
    "mean",
    "yearly",
    "quarterly",
    "monthly",
    "next",
    "previous",
    "back",
    "save",
    "submit",
    "login",
    "logout",
    "search",
    "filter",
    "home",
    "overview",
    "documents",
    "download",
    "upload",
    "error",
    "warning",
    "warnings",
    "found",
    "track",
    "page",
    "all",
    "name",
    "code",
    "goal",
    "deadline",
    "baseline",
    "ranking",
    "index",
    "feedback",
    "answer",
    "account",
    "settings",
    "password",
    "user",
    "users",
    "role",
    "audit",
    "template",
    "file",
    "open",
    "data",
    "licence",
    "license",
    "source",
    "comment",
    "reason",
    "approve",
    "return",
    "review",
    "queue",
    "entry",
    "enter",
    "total",
    "days",
    "day",
    "year",
    "years",
    "late",
    "completed",
    "cancelled",
    "progressing",
    "soon",
    "lead",
    "coordinator",
    "coordinates",
    "leads",
    "province",
    "provinces",
    "ministry",
    "commune",
    "communes",
    "national",
];

/// English texts the built-in dataset holds as data, not wording: the sources of its facts
/// (addresses, publication titles). Every name, title and goal has its Vietnamese version and
/// is not excused.
fn data_only_in_english() -> Vec<String> {
    let d = tiendo_dataset::reference().unwrap();
    let mut texts = Vec::new();
    for doc in &d.documents {
        texts.extend(doc.source.clone());
    }
    for t in &d.targets {
        texts.extend(t.source.clone());
    }
    for t in &d.tasks {
        texts.extend(t.source.clone());
    }
    for u in d.hierarchy.units() {
        texts.extend(u.source.clone());
    }
    texts.retain(|t| !t.trim().is_empty());
    // Longest first, so a title is taken out whole before a shorter text inside it.
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    texts.dedup();
    texts
}

/// The text a reader sees: element text, and the labels that show in place of text.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tag_end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = &rest[start..tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        for attr in ["placeholder", "title", "aria-label", "alt"] {
            if let Some(v) = attribute(tag, attr) {
                out.push_str(&v);
                out.push(' ');
            }
        }
        if name == "input" && attribute(tag, "type").is_some_and(|t| t == "submit") {
            out.push_str(&attribute(tag, "value").unwrap_or_default());
        }
        rest = &rest[tag_end..];
        // Scripts and styles are not read; `code` holds records and identifiers as stored
        // (the audit log's JSON), which are codes, not wording.
        if name == "script" || name == "style" || name == "code" {
            let close = format!("</{name}");
            rest = rest.find(&close).map_or("", |e| &rest[e..]);
        }
    }
    out.push_str(rest);
    decode(&out)
}

/// The text an HTML-escaped one stands for: named and numeric character references.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let entity = tail.find(';').filter(|e| *e < 10).map(|e| &tail[1..e]);
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "nbsp" => Some(' '),
            _ => e
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &tail[e.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(decode)
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .collect()
}

/// Pages to read: HTML routes of the site, not downloads, the API or leaving.
fn worth_reading(link: &str) -> bool {
    let path = link.split('?').next().unwrap_or(link);
    !(path.starts_with("/api")
        || path.starts_with("/static")
        || path == "/logout"
        || path.ends_with(".csv")
        || path.ends_with(".json")
        || path.ends_with(".xlsx")
        || path.contains("/files/")
        || path.contains("/template")
        || link.contains("lang=en")
        || link.contains("format="))
}

/// Links of the same shape (`/targets/X`, `/units/Y/entry?period=Z`) are read a few times
/// each, not for every unit of the country.
fn shape(link: &str) -> String {
    let path = link.split('?').next().unwrap_or(link);
    let parts: Vec<&str> = path.split('/').collect();
    let shaped: Vec<&str> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i == 2 { "*" } else { p })
        .collect();
    shaped.join("/")
}

const PER_SHAPE: usize = 4;
const PER_ROLE: usize = 160;

struct Leak {
    page: String,
    what: String,
}

#[tokio::test]
async fn every_page_reads_in_vietnamese_for_every_role() {
    let app = demo("2025-10-20").await;
    let data = data_only_in_english();
    let d = tiendo_dataset::reference().unwrap();
    let units: BTreeMap<String, String> = d
        .hierarchy
        .units()
        .iter()
        .filter(|u| !u.synthetic)
        .map(|u| (u.code.to_string(), u.name_vi.clone()))
        .collect();
    let mut leaks: Vec<Leak> = Vec::new();
    let mut read = 0;
    for role in [
        None,
        Some("admin"),
        Some("van-phong"),
        Some("ha-tinh"),
        Some("lanh-dao"),
        Some("thanh-tra"),
        Some("cong-dan"),
    ] {
        let mut c = Client::new(&app);
        if let Some(user) = role {
            c.login_demo(user).await;
        }
        let mut queue: VecDeque<String> = VecDeque::from(["/?lang=vi".to_string()]);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
        let who = role.unwrap_or("visitor");
        while let Some(link) = queue.pop_front() {
            if seen.len() >= PER_ROLE {
                break;
            }
            let page = c.get(&link).await;
            if page.status != StatusCode::OK || !page.kind.starts_with("text/html") {
                continue;
            }
            read += 1;
            // The tab's title is text: markup in it would show as such.
            let title = page
                .body
                .split_once("<title>")
                .and_then(|(_, rest)| rest.split_once("</title>"))
                .map_or("", |(title, _)| title);
            if title.contains('<') || title.trim().is_empty() {
                leaks.push(Leak {
                    page: format!("{who} {link}"),
                    what: format!("the title is not plain text: {title:?}"),
                });
            }
            let mut text = visible_text(&page.body);
            for t in &data {
                text = text.replace(t.as_str(), " ");
            }
            // A quoted title ("Data for Life") is a proper name, not wording.
            let text = text
                .split(['"', '“', '”'])
                .step_by(2)
                .collect::<Vec<_>>()
                .join(" ");
            let words: BTreeSet<String> = text
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| w.is_ascii())
                // Codes are written in capitals (DTI-MINISTRY-AVG-NOPS) and may follow a name.
                .filter(|w| {
                    !(w.len() > 1
                        && w.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
                })
                .map(|w| w.to_ascii_lowercase())
                .collect();
            let english: Vec<&str> = ENGLISH
                .iter()
                .copied()
                .filter(|w| words.contains(*w))
                .collect();
            if english.len() >= 2 {
                // The sentences around the words, to find them.
                let sample: Vec<&str> = text
                    .split(['\n', '.', ':'])
                    .map(str::trim)
                    .filter(|s| {
                        s.split(|c: char| !c.is_alphanumeric())
                            .any(|w| english.contains(&w.to_ascii_lowercase().as_str()))
                    })
                    .take(3)
                    .collect();
                leaks.push(Leak {
                    page: format!("{who} {link}"),
                    what: format!("English words {english:?} in {sample:?}"),
                });
            }
            for (code, name) in &units {
                let shown = text
                    .split(|c: char| c.is_whitespace() || "(),;:·—".contains(c))
                    .any(|w| w == code);
                if shown && !text.contains(name.as_str()) {
                    leaks.push(Leak {
                        page: format!("{who} {link}"),
                        what: format!("unit {code} shown without its name {name}"),
                    });
                }
            }
            for next in links(&page.body) {
                if !worth_reading(&next) || seen.contains(&next) {
                    continue;
                }
                let n = shapes.entry(shape(&next)).or_default();
                if *n >= PER_SHAPE {
                    continue;
                }
                *n += 1;
                seen.insert(next.clone());
                queue.push_back(next);
            }
        }
    }
    eprintln!(
        "{read} pages read in Vietnamese; {} sources of the built-in dataset excused",
        data.len()
    );
    let report: Vec<String> = leaks
        .iter()
        .map(|l| format!("{}: {}", l.page, l.what))
        .collect();
    assert!(read >= 60, "only {read} pages were read");
    assert!(
        report.is_empty(),
        "{} leaks:\n{}",
        report.len(),
        report.join("\n")
    );
}
