use app::error::AppError;
use sea_orm::{DbErr, RuntimeErr};

/// A service failure: a domain error for the caller, or a database error that is logged and
/// reported to clients only by reference.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::App(error) => error,
            ServiceError::Db(error) if is_busy(&error) => {
                tracing::warn!(%error, "database busy");
                AppError::Busy
            }
            ServiceError::Db(error) => {
                // In a request, its id: the answer, the X-Request-Id header and the log agree.
                let reference = crate::telemetry::request_id().unwrap_or_else(crate::store::new_id);
                tracing::error!(%reference, %error, "database error");
                AppError::Internal { reference }
            }
        }
    }
}

/// Whether the database gave up waiting for another writer: SQLite's `SQLITE_BUSY` (primary
/// code 5, in any of its extended forms: the busy timeout ran out while another connection
/// held the write lock) or PostgreSQL's `lock_not_available` (55P03, `lock_timeout`). Read
/// from the driver's error code, never from the message text.
pub fn is_busy(error: &DbErr) -> bool {
    let (DbErr::Conn(RuntimeErr::SqlxError(error))
    | DbErr::Exec(RuntimeErr::SqlxError(error))
    | DbErr::Query(RuntimeErr::SqlxError(error))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(error) = error.as_ref() else { return false };
    let Some(code) = error.code() else { return false };
    if error.try_downcast_ref::<sea_orm::SqlxSqliteError>().is_some() {
        return code.parse::<i32>().is_ok_and(|code| code & 0xff == 5);
    }
    code == "55P03"
}
