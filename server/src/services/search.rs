//! Folding names for search: lower case, compatibility-decomposed, combining marks removed, so
//! that "zoe" finds "Zoë" and "ＡＮＮ" finds "Ann", the same on SQLite and PostgreSQL.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// `raw` folded for comparison.
pub fn fold(raw: &str) -> String {
    raw.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// What a virtual extension's search matches: its names, folded, one per line (so that a search
/// never matches across two names).
pub fn search_name(display_name: &str, first_name: Option<&str>, last_name: Option<&str>) -> String {
    [Some(display_name), first_name, last_name].into_iter().flatten().map(fold).collect::<Vec<_>>().join("\n")
}

/// `LIKE '%term%' ESCAPE '\'`: contains `term`, with `%` and `_` matching themselves.
pub fn contains(term: &str) -> sea_orm::sea_query::LikeExpr {
    sea_orm::sea_query::LikeExpr::new(like_pattern(term)).escape('\\')
}

/// `%term%` for LIKE with `\` as the escape character, so that `%` and `_` match themselves.
pub fn like_pattern(term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
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
        assert_eq!(search_name("Ann Lee", Some("Ann"), None), "ann lee\nann");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
