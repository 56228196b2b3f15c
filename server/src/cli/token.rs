//! `vext token …`: API tokens for scripts that use the REST API.

use super::*;
use crate::services::tokens;
use app::model::token::ApiTokenInput;

pub(super) async fn token(url: &str, command: TokenCommand) -> Result<(), CliError> {
    let db = store::open(url).await?;
    match command {
        TokenCommand::Create { name, role, locations, expires_days } => {
            let input = ApiTokenInput {
                name,
                role,
                locations,
                expires_days: expires_days.map(|d| d.to_string()).unwrap_or_default(),
            };
            let created = tokens::create(&db, &command_line(), &input).await?;
            let t = &created.token;
            eprintln!(
                "Created API token {} ({}{}, {}). Its secret follows; it is shown only now: store it where the script reads it.",
                t.name,
                t.role.label().to_lowercase(),
                if t.locations.is_empty() { String::new() } else { format!(" of {}", t.locations.join(", ")) },
                t.expires_at.as_deref().map(|at| format!("expires {at}")).unwrap_or_else(|| "does not expire".into()),
            );
            println!("{}", created.secret);
        }
        TokenCommand::List => {
            for t in tokens::list(&db, &command_line()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    t.locations.join(","),
                    t.status().label(),
                    t.created_by,
                    t.created_at,
                    t.last_used_at.as_deref().unwrap_or("never"),
                    t.expires_at.as_deref().unwrap_or("never"),
                );
            }
        }
        TokenCommand::Revoke { token } => {
            let found = tokens::find(&db, &token).await?;
            let revoked = tokens::revoke(&db, &command_line(), &found.id).await?;
            println!(
                "API token {} is revoked: its next request is refused (within {} ms on every running server).",
                revoked.name,
                tokens::RECHECK.as_millis()
            );
        }
    }
    Ok(())
}
