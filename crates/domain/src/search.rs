//! Finding a thing by what people type: its name with or without diacritics, in any case, or
//! its code. "ha tinh", "Hà Tĩnh", "HA-TINH" and "hà tĩnh" all find Hà Tĩnh.

use unicode_normalization::UnicodeNormalization;

/// `text` folded for matching: lower case, Vietnamese diacritics removed (đ → d), every run of
/// white space, hyphens and punctuation one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    // Lower case first: some capitals lower-case to a letter and a combining mark (İ).
    for c in text.to_lowercase().nfd() {
        let c = match c {
            'đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c,
        };
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// How well `query` (already folded) matches a thing with `code` and `names`, best first:
/// 0 the code, 1 a whole name, 2 the start of a name, 3 every word of the query inside a name.
/// `None` when it does not match.
pub fn rank(query: &str, code: &str, names: &[&str]) -> Option<u8> {
    if query.is_empty() {
        return None;
    }
    if fold(code) == query {
        return Some(0);
    }
    let names: Vec<String> = names.iter().map(|n| fold(n)).collect();
    if names.iter().any(|n| n == query) {
        return Some(1);
    }
    if names.iter().any(|n| n.starts_with(query)) {
        return Some(2);
    }
    let words: Vec<&str> = query.split(' ').collect();
    names
        .iter()
        .any(|n| {
            let own: Vec<&str> = n.split(' ').collect();
            words.iter().all(|w| own.iter().any(|o| o.starts_with(w)))
        })
        .then_some(3)
}

/// What a typed code or name picks out of a list.
#[derive(Debug, PartialEq)]
pub enum Pick<'a, T> {
    /// Exactly one thing: the one whose code or whole name it is, or the only one it matches.
    One(&'a T),
    /// Nothing matches.
    Nothing,
    /// Several match equally well: the best few, for the reader to choose between.
    Several(Vec<&'a T>),
}

/// The thing `typed` names among `items`: a code or a whole name (with or without diacritics)
/// picks the one it names unless several share it; a part of a name picks only when it fits
/// one thing alone. Forms use this so that an officer may type a name where a code is stored.
pub fn pick<'a, T>(
    typed: &str,
    items: impl IntoIterator<Item = &'a T>,
    code_of: impl Fn(&T) -> &str,
    names_of: impl Fn(&T) -> Vec<&str>,
) -> Pick<'a, T> {
    const SHOWN: usize = 5;
    let q = fold(typed);
    let mut found: Vec<(u8, &T)> = items
        .into_iter()
        .filter_map(|t| rank(&q, code_of(t), &names_of(t)).map(|r| (r, t)))
        .collect();
    found.sort_by_key(|(r, _)| *r);
    let Some(&(best, _)) = found.first() else {
        return Pick::Nothing;
    };
    let equal = found.iter().take_while(|(r, _)| *r == best).count();
    if equal == 1 && (best <= 1 || found.len() == 1) {
        return Pick::One(found[0].1);
    }
    let shown = if best <= 1 { equal } else { found.len() };
    Pick::Several(
        found
            .into_iter()
            .take(shown.min(SHOWN))
            .map(|(_, t)| t)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_found_without_their_diacritics() {
        assert_eq!(fold("Hà Tĩnh"), "ha tinh");
        assert_eq!(fold("  Đắk   Lắk "), "dak lak");
        assert_eq!(fold("TP Hồ Chí Minh"), "tp ho chi minh");
        assert_eq!(fold("Bộ KH&CN"), "bo kh cn");
        assert_eq!(rank("ha tinh", "HA-TINH", &["Hà Tĩnh"]), Some(0));
        assert_eq!(rank("ha tinh", "HT", &["Hà Tĩnh"]), Some(1));
        assert_eq!(rank("ha", "HT", &["Hà Tĩnh"]), Some(2));
        assert_eq!(rank("tinh", "HT", &["Hà Tĩnh"]), Some(3));
        assert_eq!(rank("ho chi", "HCM", &["TP Hồ Chí Minh"]), Some(3));
        assert_eq!(rank("nghe", "HT", &["Hà Tĩnh"]), None);
        assert_eq!(rank("", "HT", &["Hà Tĩnh"]), None);
    }

    #[test]
    fn a_typed_name_picks_one_thing_or_says_which_it_could_be() {
        let units = [
            ("HT", "Tỉnh Hà Tĩnh"),
            ("HN", "Thành phố Hà Nội"),
            ("X1", "Xã Tân Phú"),
            ("X2", "Xã Tân Phú"),
        ];
        let p = |typed: &str| match pick(typed, &units, |u| u.0, |u| vec![u.1]) {
            Pick::One(u) => vec![u.0],
            Pick::Nothing => vec![],
            Pick::Several(us) => us.iter().map(|u| u.0).collect(),
        };
        assert_eq!(p("tinh ha tinh"), ["HT"]);
        assert_eq!(p("hn"), ["HN"]);
        assert_eq!(p("Hà"), ["HT", "HN"], "a part of two names picks neither");
        assert_eq!(
            p("xa tan phu"),
            ["X1", "X2"],
            "a name two units share needs the code"
        );
        assert_eq!(p("X2"), ["X2"]);
        assert_eq!(p("ha noi"), ["HN"]);
        assert!(p("Đà Nẵng").is_empty());
        assert!(matches!(
            pick("HN", &units, |u| u.0, |u| vec![u.1]),
            Pick::One(_)
        ));
    }

    proptest! {
        #[test]
        fn folding_twice_changes_nothing(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn a_name_always_finds_its_thing(name in "[\\p{L} ]{1,30}", code in "[A-Z]{2,8}") {
            let q = fold(&name);
            prop_assume!(!q.is_empty());
            prop_assert!(rank(&q, &code, &[name.as_str()]).is_some());
        }

        #[test]
        fn vietnamese_letters_fold_to_their_base(base in "[aeiouy]", mark in 0usize..5) {
            // The five tone marks as combining characters on a base vowel.
            let marks = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
            let marked: String = [base.chars().next().unwrap(), marks[mark]].iter().collect();
            prop_assert_eq!(fold(&marked), base);
        }
    }
}
