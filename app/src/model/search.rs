//! Folding names for search: lower case, compatibility-decomposed, combining marks removed, so
//! that "zoe" finds "Zoë" and "ＡＮＮ" finds "Ann", the same on SQLite and PostgreSQL (the
//! server stores each entry's folded names and folds the search term the same way).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// `raw` folded for comparison: lower case, compatibility-decomposed, combining marks removed,
/// and the Latin letters that carry no removable mark spelled as people type them on a plain
/// keyboard ("Odegaard" finds "Ødegaard", "Strasse" finds "Straße", "Lodz" finds "Łódź").
/// Changing what this returns needs a migration that refolds the stored names (see
/// `m20261202_110000_refold_search_names`).
pub fn fold(raw: &str) -> String {
    let mut folded = String::with_capacity(raw.len());
    for c in raw.nfkd().flat_map(char::to_lowercase).filter(|c| !is_combining_mark(*c)) {
        match transliteration(c) {
            Some(latin) => folded.push_str(latin),
            None => folded.push(c),
        }
    }
    folded
}

/// Lower-case Latin letters that do not decompose into a base letter and a mark.
fn transliteration(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ħ' => "h",
        'ı' => "i",
        'ŧ' => "t",
        'ŋ' => "ng",
        'ĸ' => "k",
        'ƒ' => "f",
        'ɨ' => "i",
        'ʉ' => "u",
        _ => return None,
    })
}

/// What a virtual extension's search matches: its names, folded, one per line (so that a search
/// never matches across two names).
pub fn search_name(display_name: &str, first_name: Option<&str>, last_name: Option<&str>) -> String {
    [Some(display_name), first_name, last_name].into_iter().flatten().map(fold).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_width() {
        assert_eq!(fold("Zoë Ångström"), "zoe angstrom");
        assert_eq!(fold("ＡＮＮ"), "ann");
        assert_eq!(fold("ÇAĞRI"), "cagri");
        assert_eq!(fold("王秀英"), "王秀英");
        assert_eq!(fold("Ødegaard"), "odegaard");
        assert_eq!(fold("Łódź"), "lodz");
        assert_eq!(fold("Straße ẞ"), "strasse ss");
        assert_eq!(fold("Æsir Œuvre"), "aesir oeuvre");
        assert_eq!(fold("Þór Ðorđe Ħal"), "thor dorde hal");
        assert_eq!(fold("ıŀ"), "il\u{b7}");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(search_name("Ann Lee", Some("Ann"), None), "ann lee\nann");
    }
}
