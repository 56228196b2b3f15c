//! `vext admin …` and `vext settings …`.

use super::*;
use crate::services::admins;
use app::model::admin::AdminInput;

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
    // Refused before the password prompt, not after it (the service checks every field again).
    app::model::admin::Role::parse(role).map_err(|e| CliError::App(AppError::validation(vec![e])))?;
    let db = store::open(url).await?;
    let password = read_new_password()?;
    let input = AdminInput {
        email: email.to_string(),
        role: role.to_string(),
        locations: locations.to_vec(),
        password,
    };
    let admin = admins::create(&db, &command_line(), input).await?;
    println!("Created {} {} (id {}).", admin.role.label().to_lowercase(), admin.email, admin.id);
    Ok(())
}

pub(super) async fn admin_reset_password(url: &str, email: &str) -> Result<(), CliError> {
    let db = store::open(url).await?;
    let admin = admins::find_by_email(&db, email).await?;
    let password = read_new_password()?;
    admins::reset_password(&db, &command_line(), &admin.id, password, None).await?;
    println!("New password set for {}; their sessions have ended.", admin.email);
    Ok(())
}

pub(super) async fn admin_set_disabled(url: &str, email: &str, disabled: bool) -> Result<(), CliError> {
    let db = store::open(url).await?;
    let admin = admins::find_by_email(&db, email).await?;
    admins::set_disabled(&db, &command_line(), &admin.id, disabled).await?;
    println!("{} is now {}.", admin.email, if disabled { "disabled" } else { "active" });
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
    let previous = settings::set_virtual_extension_mode(&db, &command_line(), mode).await?;
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
