use app::error::AppError;
use sea_orm::DbErr;

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
            // SQLite's "database is locked" (SQLITE_BUSY): the busy timeout ran out while
            // another writer held the database; PostgreSQL's lock_timeout (55P03) likewise.
            ServiceError::Db(error)
                if error.to_string().contains("database is locked")
                    || error.to_string().contains("lock timeout") =>
            {
                tracing::warn!(%error, "database busy");
                AppError::Busy
            }
            ServiceError::Db(error) => {
                let reference = crate::store::new_id();
                tracing::error!(%reference, %error, "database error");
                AppError::Internal { reference }
            }
        }
    }
}
