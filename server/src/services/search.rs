//! The list's name search in SQL, over the folded names (`app::model::search`): the same
//! matches on SQLite (FTS5 where the term allows) and PostgreSQL (trigram-indexed `LIKE`).

use crate::store::entities::virtual_extension as ve;
use app::model::search::fold;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{Condition, DbBackend};

/// `LIKE '%term%' ESCAPE '\'`: contains `term`, with `%` and `_` matching themselves.
pub fn contains(term: &str) -> sea_orm::sea_query::LikeExpr {
    sea_orm::sea_query::LikeExpr::new(like_pattern(term)).escape('\\')
}

/// `LIKE 'term%' ESCAPE '\'`: starts with `term`, with `%` and `_` matching themselves.
pub fn starts(term: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("{escaped}%")).escape('\\')
}

/// On SQLite, whether at most `bound` entries' names match `search`, counted in the FTS trigram
/// table alone (cheaper than counting the join the list runs); `None` where that table does not
/// answer (PostgreSQL, or a term under 3 characters).
pub async fn names_at_most(
    db: &impl sea_orm::ConnectionTrait,
    search: &str,
    bound: u64,
) -> Result<Option<bool>, sea_orm::DbErr> {
    let folded = fold(search);
    if db.get_database_backend() != DbBackend::Sqlite || !indexable(&folded) {
        return Ok(None);
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT count(*) AS n FROM (SELECT rowid FROM ve_search WHERE ve_search MATCH ? LIMIT ?)",
            [format!("names : {}", fts_phrase(&folded)).into(), (bound as i64 + 1).into()],
        ))
        .await?;
    let n = row.and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(0);
    Ok(Some(n as u64 <= bound))
}

/// `%term%` for LIKE with `\` as the escape character, so that `%` and `_` match themselves.
pub fn like_pattern(term: &str) -> String {
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Trigram indexes (FTS5 `trigram` on SQLite, `pg_trgm` on PostgreSQL) need 3 characters.
fn indexable(term: &str) -> bool {
    term.chars().count() >= 3
}

/// An FTS5 phrase matching `term` as a substring (`"` doubled inside the quotes).
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// The list's search: the folded names contain the folded term, or (when the term has digits)
/// the extension or phone number contains them. On SQLite, terms of 3 characters or more are
/// answered by the FTS5 trigram table (`ve_search`, kept in step by triggers); PostgreSQL's
/// `pg_trgm` indexes serve the same `LIKE` directly.
pub fn matches(backend: DbBackend, search: &str, digits: Option<String>) -> Condition {
    let column = |c: ve::Column| Expr::col((ve::Entity, c));
    let folded = fold(search);
    let sqlite = backend == DbBackend::Sqlite;
    let mut any = Condition::any();
    let mut phrases = Vec::new();
    if sqlite && indexable(&folded) {
        phrases.push(format!("names : {}", fts_phrase(&folded)));
    } else {
        any = any.add(column(ve::Column::SearchName).like(contains(&folded)));
    }
    if let Some(digits) = digits {
        if sqlite && indexable(&digits) {
            phrases.push(format!("digits : {}", fts_phrase(&digits)));
        } else {
            any = any
                .add(column(ve::Column::Extension).like(contains(&digits)))
                .add(column(ve::Column::PhoneNumber).like(contains(&digits)));
        }
    }
    if !phrases.is_empty() {
        any = any.add(Expr::cust_with_values(
            "virtual_extension.search_rowid IN (SELECT rowid FROM ve_search WHERE ve_search MATCH ?)",
            [phrases.join(" OR ")],
        ));
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_percent_and_underscore_literally() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn fts_phrases_quote_their_quotes() {
        assert_eq!(fts_phrase("ann"), "\"ann\"");
        assert_eq!(fts_phrase("say \"hi\" OR x"), "\"say \"\"hi\"\" OR x\"");
        assert!(indexable("zoë") && !indexable("zo"));
    }
}
