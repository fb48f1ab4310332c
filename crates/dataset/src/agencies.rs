//! The agencies a plan's cell names ("Bộ KH&CN; các bộ, ngành, địa phương; UBND tỉnh Hà
//! Tĩnh"), read as units of the hierarchy, groups named collectively, or names tiendo does not
//! know. Names match with or without diacritics and in any case, by whole words, longest
//! first; abbreviations and other wordings come from `data/orgs/agency-names.csv` and from the
//! mappings a standing office made.

use tiendo_domain::orgs::{Hierarchy, OrgCode, OrgKind};
use tiendo_domain::search::fold;

use crate::files;
use crate::load::{read_csv, DatasetError};

/// What one part of a cell names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A unit of the hierarchy.
    Unit(OrgCode),
    /// Agencies named collectively ("các bộ, ngành", "địa phương liên quan"): no one unit.
    Group(String),
    /// Words tiendo cannot read as a unit nor a group, as written.
    Unknown(String),
}

/// How a person mapped words tiendo did not know: to a unit, or to a group of no one unit.
pub type Mapping = (String, Option<OrgCode>);

/// The names agencies go by, folded, longest first.
pub struct Agencies {
    names: Vec<(Vec<char>, OrgCode)>,
    /// Whole parts of a cell a person mapped, folded.
    mapped: Vec<(String, Option<OrgCode>)>,
}

/// Words that, alone, name agencies collectively rather than one of them.
const GENERIC: &[&str] = &[
    "bo", "nganh", "dia", "phuong", "tinh", "thanh", "pho", "truc", "thuoc", "trung", "uong", "tw",
    "lien", "quan", "co", "duoc", "lua", "chon", "doanh", "nghiep", "tap", "doan", "don", "vi",
    "to", "chuc", "cong", "nghe", "so", "huyen", "xa", "phuong", "khac", "ubnd", "uy", "ban",
    "nhan", "dan", "cap", "cac", "mot", "va", "hoi", "doan", "the",
];

impl Agencies {
    /// The names of the ministries, central agencies and provinces of `h` (provinces also as
    /// "tỉnh …", "thành phố …" and "UBND tỉnh …"), the names of `agency-names.csv`, and the
    /// mappings a person made.
    pub fn read(h: &Hierarchy, mapped: &[Mapping]) -> Result<Agencies, DatasetError> {
        let mut names: Vec<(String, OrgCode)> = Vec::new();
        for u in h.units() {
            match u.kind {
                OrgKind::Ministry | OrgKind::CentralAgency => {
                    names.push((u.name_vi.clone(), u.code.clone()))
                }
                OrgKind::Province => {
                    for prefix in ["", "tỉnh ", "thành phố ", "UBND tỉnh ", "UBND thành phố "]
                    {
                        names.push((format!("{prefix}{}", u.name_vi), u.code.clone()));
                    }
                    names.push((
                        format!("Ủy ban nhân dân tỉnh {}", u.name_vi),
                        u.code.clone(),
                    ));
                    names.push((
                        format!("Ủy ban nhân dân thành phố {}", u.name_vi),
                        u.code.clone(),
                    ));
                }
                _ => {}
            }
        }
        names.extend(read_csv(&files::AGENCY_NAMES, |row| {
            let unit: OrgCode = row.parse("unit")?;
            if h.get(&unit).is_none() {
                return Err(row.error("unit", format!("unit {unit} is not defined in data/orgs")));
            }
            Ok((row.parse::<String>("name_as_written")?, unit))
        })?);
        let mut names: Vec<(Vec<char>, OrgCode)> = names
            .into_iter()
            .map(|(n, c)| (fold_indexed(&n).0, c))
            .filter(|(n, _)| !n.is_empty())
            .collect();
        // Longest first; of units sharing a name (a province before and after its merger),
        // the one in force longest, whose successor chain the caller can follow anyway.
        let ends = |c: &OrgCode| {
            h.get(c)
                .and_then(|u| u.validity.to())
                .unwrap_or(chrono::NaiveDate::MAX)
        };
        names.sort_by(|(a, x), (b, y)| b.len().cmp(&a.len()).then(ends(y).cmp(&ends(x))));
        names.dedup_by(|later, earlier| later.0 == earlier.0);
        Ok(Agencies {
            names,
            mapped: mapped.iter().map(|(w, c)| (fold(w), c.clone())).collect(),
        })
    }

    /// The units a cell names, in the order named, each once; groups and unknown words name
    /// none.
    pub fn units(&self, cell: &str) -> Vec<OrgCode> {
        let mut units: Vec<OrgCode> = Vec::new();
        for n in self.read_cell(cell) {
            if let Named::Unit(code) = n {
                if !units.contains(&code) {
                    units.push(code);
                }
            }
        }
        units
    }

    /// What each part of a cell names, in order. Parts are separated by commas, semicolons,
    /// lines and "và", except where a known name holds them ("Bộ Văn hóa, Thể thao và Du
    /// lịch"). A part that mixes a known name with words that are not generic ("Thanh tra
    /// Chính phủ") is unknown as a whole rather than read as the name inside it.
    pub fn read_cell(&self, cell: &str) -> Vec<Named> {
        let (folded, starts) = fold_indexed(cell);
        let mut chars = folded.clone();
        let mut found: Vec<(usize, usize, OrgCode)> = Vec::new();
        for (name, code) in &self.names {
            let mut from = 0;
            while let Some(at) = find_word(&chars, name, from) {
                found.push((at, at + name.len(), code.clone()));
                for c in &mut chars[at..at + name.len()] {
                    *c = '\0';
                }
                from = at + name.len();
            }
        }
        found.sort_by_key(|(at, _, _)| *at);
        // Tokens: known names and the words between them, split into parts at separators.
        let mut parts: Vec<Part> = vec![Part::default()];
        let mut i = 0;
        let mut next_name = found.iter().peekable();
        while i < folded.len() {
            if let Some((at, end, code)) = next_name.peek().filter(|(at, _, _)| *at == i) {
                let p = parts.last_mut().expect("there is always a part");
                p.names.push(code.clone());
                p.start.get_or_insert(starts[*at]);
                p.end = starts.get(*end).copied().unwrap_or(cell.len());
                i = *end;
                next_name.next();
                continue;
            }
            let c = folded[i];
            if c == ' ' {
                i += 1;
                continue;
            }
            // A word of the leftover text: up to the next space or name.
            let start = i;
            while i < folded.len() && folded[i] != ' ' && !found.iter().any(|(at, _, _)| *at == i) {
                i += 1;
            }
            let word: String = folded[start..i].iter().collect();
            let separator = word == "va" || word == "," || word == ";";
            if separator {
                parts.push(Part::default());
            } else {
                let p = parts.last_mut().expect("there is always a part");
                p.words.push(word);
                p.start.get_or_insert(starts[start]);
                p.end = starts.get(i).copied().unwrap_or(cell.len());
            }
        }
        let mut out = Vec::new();
        for p in parts
            .into_iter()
            .filter(|p| !p.names.is_empty() || !p.words.is_empty())
        {
            let as_written = written(cell, &p);
            let generic = p.words.iter().all(|w| GENERIC.contains(&w.as_str()));
            let read = if p.names.is_empty() {
                if generic
                    || matches!(
                        p.words.first().map(String::as_str),
                        Some("cac" | "mot" | "moi")
                    )
                {
                    vec![Named::Group(as_written.clone())]
                } else {
                    vec![Named::Unknown(as_written.clone())]
                }
            } else if generic {
                p.names.iter().cloned().map(Named::Unit).collect()
            } else {
                vec![Named::Unknown(as_written.clone())]
            };
            // A person's mapping reads only what nothing else could: it never overrides a
            // known name.
            let mapped = matches!(read.as_slice(), [Named::Unknown(_)])
                .then(|| self.mapped.iter().find(|(w, _)| *w == fold(&as_written)))
                .flatten();
            match mapped {
                Some((_, Some(code))) => out.push(Named::Unit(code.clone())),
                Some((_, None)) => out.push(Named::Group(as_written)),
                None => out.extend(read),
            }
        }
        out
    }
}

#[derive(Debug, Default)]
struct Part {
    names: Vec<OrgCode>,
    words: Vec<String>,
    start: Option<usize>,
    end: usize,
}

/// The words of a part as the cell writes them.
fn written(cell: &str, p: &Part) -> String {
    let start = p.start.unwrap_or(0);
    cell.get(start..p.end.max(start))
        .unwrap_or(cell)
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '.'))
        .to_string()
}

/// `text` folded as [`fold`] does, char by char, with the byte where each folded char's
/// original starts; commas and semicolons are kept as words of their own.
fn fold_indexed(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    let mut push = |c: char, at: usize| {
        if c == ' ' && out.last().is_none_or(|l| *l == ' ') {
            return;
        }
        out.push(c);
        starts.push(at);
    };
    for (at, c) in text.char_indices() {
        if matches!(c, ',' | ';' | '\n') {
            push(' ', at);
            push(if c == '\n' { ';' } else { c }, at);
            push(' ', at);
            continue;
        }
        let f = fold(&c.to_string());
        if f.is_empty() {
            // A mark of the letter before, or punctuation: punctuation separates words.
            if !unicode_normalization::char::is_combining_mark(c) {
                push(' ', at);
            }
            continue;
        }
        for fc in f.chars() {
            push(fc, at);
        }
    }
    while out.last() == Some(&' ') {
        out.pop();
        starts.pop();
    }
    (out, starts)
}

/// Where `name` stands in `chars` as whole words, from `from` on.
fn find_word(chars: &[char], name: &[char], from: usize) -> Option<usize> {
    if name.len() > chars.len() {
        return None;
    }
    (from..=chars.len() - name.len()).find(|&at| {
        chars[at..at + name.len()] == *name
            && (at == 0 || chars[at - 1] == ' ')
            && chars.get(at + name.len()).is_none_or(|c| *c == ' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agencies() -> &'static Agencies {
        static AGENCIES: std::sync::OnceLock<Agencies> = std::sync::OnceLock::new();
        AGENCIES.get_or_init(|| {
            let d = crate::reference().unwrap();
            Agencies::read(&d.hierarchy, &[("CSDL chuyên ngành".into(), None)]).unwrap()
        })
    }

    fn shown(a: &Agencies, cell: &str) -> Vec<String> {
        a.read_cell(cell)
            .into_iter()
            .map(|n| match n {
                Named::Unit(c) => c.to_string(),
                Named::Group(w) => format!("group:{w}"),
                Named::Unknown(w) => format!("?{w}"),
            })
            .collect()
    }

    #[test]
    fn names_match_without_diacritics_case_or_full_words() {
        let a = agencies();
        assert_eq!(
            shown(a, "Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ"),
            ["MIC", "MOST"]
        );
        assert_eq!(shown(a, "BO KHOA HOC VA CONG NGHE"), ["MOST"]);
        assert_eq!(shown(a, "Bộ KH&CN, Bộ TT&TT"), ["MOST", "MIC"]);
        assert_eq!(
            shown(a, "Bộ Văn hóa, Thể thao và Du lịch; Bộ Tài chính"),
            ["MOCST", "MOF"]
        );
        assert_eq!(shown(a, "UBND tỉnh Hà Tĩnh"), ["HA-TINH"]);
        assert_eq!(
            shown(a, "VTV, VOV, TTXVN, các địa phương"),
            ["VTV", "VOV", "VNA", "group:các địa phương"]
        );
        assert_eq!(
            shown(a, "Các bộ, ngành, địa phương"),
            ["group:Các bộ", "group:ngành", "group:địa phương"]
        );
        assert_eq!(
            shown(a, "Bộ Công an và các địa phương Bắc Ninh, An Giang"),
            ["MPS", "BAC-NINH", "AN-GIANG"]
        );
        assert_eq!(shown(a, "Thanh tra Chính phủ"), ["?Thanh tra Chính phủ"]);
        assert_eq!(
            shown(a, "Quốc hội; CSDL chuyên ngành"),
            ["?Quốc hội", "group:CSDL chuyên ngành"]
        );
    }

    /// A mapping reads only words nothing else could: mapping a ministry's own name to some
    /// unit changes nothing.
    #[test]
    fn a_mapping_never_overrides_a_known_name() {
        let d = crate::reference().unwrap();
        let a = Agencies::read(
            &d.hierarchy,
            &[
                ("Bộ Tài chính".into(), Some("HA-TINH".parse().unwrap())),
                ("Quốc hội".into(), Some("GOV".parse().unwrap())),
            ],
        )
        .unwrap();
        assert_eq!(shown(&a, "Bộ Tài chính"), ["MOF"]);
        assert_eq!(shown(&a, "QUỐC HỘI"), ["GOV"]);
    }

    proptest! {
        #[test]
        fn any_cell_reads_without_panic(cell in "\\PC{0,60}") {
            let _ = agencies().read_cell(&cell);
        }
    }
}
