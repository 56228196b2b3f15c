//! `vext admin …` and `vext settings …`.

use super::*;

/// The new password: asked twice on a terminal, else the first line of stdin.
fn read_new_password() -> Result<String, CliError> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (8–128 characters): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err(CliError::Io(std::io::Error::other("the two passwords differ; nothing was created")));
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub(super) async fn admin_create(
    url: &str,
    email: &str,
    role: &str,
    locations: &[String],
) -> Result<(), CliError> {
    let role =
        app::model::admin::Role::parse(role).map_err(|e| CliError::App(AppError::validation(vec![e])))?;
    let db = store::open(url).await?;
    let password = read_new_password()?;
    let admin = crate::services::admins::create(&db, email, role, locations, password).await?;
    println!("Created {} {} (id {}).", admin.role.label().to_lowercase(), admin.email, admin.id);
    Ok(())
}

pub(super) async fn settings_mode(url: &str, mode: Option<&str>) -> Result<(), CliError> {
    use crate::services::settings;
    use app::model::VirtualExtensionMode;
    let db = store::open(url).await?;
    let Some(raw) = mode else {
        println!("Virtual extension mode: {}", settings::virtual_extension_mode(&db).await?);
        return Ok(());
    };
    let mode = VirtualExtensionMode::parse(raw).ok_or_else(|| {
        CliError::App(AppError::BadRequest {
            message: format!("mode {raw:?} is not one vext knows: use standard or enhanced"),
        })
    })?;
    let previous = settings::set_virtual_extension_mode(&db, mode).await?;
    println!("Virtual extension mode: {previous} → {mode}.");
    if mode == VirtualExtensionMode::Enhanced {
        eprintln!(
            "warning: virtual extensions won't work properly unless your PSTN provider supports the \
             special network signalling Enhanced mode relies on. Phone numbers outside the public numbering \
             plans are now accepted (still strict E.164)."
        );
    }
    Ok(())
}

pub(super) async fn admin_list(url: &str) -> Result<(), CliError> {
    let db = store::open(url).await?;
    for admin in crate::services::admins::list(&db).await? {
        let state = if admin.disabled { "disabled" } else { "active" };
        println!("{}\t{}\t{state}", admin.email, admin.role.as_str());
    }
    Ok(())
}
