use sea_orm::entity::prelude::*;

/// A long job, today a CSV import: the file, its progress and outcome, and the lease of the
/// worker running it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub status: app::model::task::TaskStatus,
    pub file_name: String,
    pub file_bytes: Vec<u8>,
    pub file_sha256: String,
    /// `csv_import:<sha256>` while queued or running; `None` once finished.
    pub idempotency_key: Option<String>,
    pub all_or_nothing: bool,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub added: i64,
    pub updated: i64,
    pub deleted: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub warnings: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The administrator who submitted the file, or `None` when an API token did.
    pub created_by: Option<String>,
    /// The API token that submitted the file (exactly one of the two is set).
    pub created_by_token_id: Option<String>,
    pub created_by_email: String,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub lease_token: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
