//! The `vext` binary as admins script it: exit codes and messages.

use std::process::{Command, Output};

fn vext(db_url: &str, args: &[&str]) -> Output {
    vext_with_stdin(db_url, args, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn location_add_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/dir/vext.db", dir.path().display());
    let out =
        vext(&url, &["location", "add", "--name", "Dallas", "--routing-prefix", "8214", "--country", "us"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Created location Dallas"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("routing prefix 8214, country US"));
    assert!(
        dir.path().join("nested/dir/vext.db").exists(),
        "the SQLite file and its directories are created"
    );

    let out = vext(&url, &["location", "list"]);
    assert!(out.status.success());
    let listed = text(&out.stdout);
    assert!(listed.contains("\tDallas\t8214\tUS\t0\t0"), "{listed}");
}

#[test]
fn location_update_and_delete_keep_step_with_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    assert!(vext(&url, &["location", "add", "--name", "Dallas", "--routing-prefix", "8214"])
        .status
        .success());
    assert!(vext(&url, &["location", "add", "--name", "Austin", "--routing-prefix", "8300"])
        .status
        .success());

    // Only the options given change; an empty value clears.
    let out =
        vext(&url, &["location", "update", "--location", "Dallas", "--name", "Dallas HQ", "--country", "us"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Updated location Dallas HQ"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("routing prefix 8214, country US"), "{}", text(&out.stdout));
    let out = vext(&url, &["location", "update", "--location", "Dallas HQ", "--routing-prefix", ""]);
    assert!(text(&out.stdout).contains("routing prefix none"), "{}", text(&out.stdout));
    // The page's rules: a prefix overlapping another's is refused (exit 1, field and code).
    let out = vext(&url, &["location", "update", "--location", "Dallas HQ", "--routing-prefix", "83"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Routing Prefix: ROUTING_PREFIX_OVERLAPS"), "{}", text(&out.stderr));
    let out = vext(&url, &["location", "update", "--location", "Nowhere", "--name", "X"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not found"), "{}", text(&out.stderr));

    // A location with an administrator is not deleted; the message says what to do.
    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "austin@example.com", "--role", "location", "--location", "Austin"],
        "a long passphrase for austin\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = vext(&url, &["location", "delete", "--location", "Austin"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("LOCATION_IN_USE"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("change their locations"), "{}", text(&out.stderr));

    let out = vext(&url, &["location", "delete", "--location", "Dallas HQ"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&vext(&url, &["location", "list"]).stdout);
    assert!(!listed.contains("Dallas"), "{listed}");
    assert!(listed.contains("\tAustin\t8300\t\t0\t1"), "{listed}");
}

#[test]
fn invalid_and_conflicting_input_exit_1_with_the_field_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let out = vext(&url, &["location", "add", "--name", "  ", "--routing-prefix", "8a"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Name: NAME_REQUIRED:"), "{err}");
    assert!(err.contains("Routing Prefix: ROUTING_PREFIX_NOT_DIGITS:"), "{err}");

    assert!(vext(&url, &["location", "add", "--name", "Dallas", "--routing-prefix", "82"]).status.success());
    let out = vext(&url, &["location", "add", "--name", "Austin", "--routing-prefix", "821"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ROUTING_PREFIX_OVERLAPS"), "{}", text(&out.stderr));
}

#[test]
fn unusable_databases_exit_2_saying_what_is_wrong() {
    let out = vext("mysql://nope", &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unsupported DATABASE_URL"), "{}", text(&out.stderr));

    // A path under a regular file cannot become a directory.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let out = vext(&format!("sqlite://{}/sub/vext.db", file.display()), &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot create the database directory"), "{}", text(&out.stderr));

    let out = vext("postgres://nobody@127.0.0.1:1/none", &["migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot open the database"), "{}", text(&out.stderr));
}

#[test]
fn migrate_reports_success() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let out = vext(&url, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Database is up to date"));
}

#[test]
fn csv_check_prints_one_line_per_problem_and_exits_by_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    assert!(vext(
        &url,
        &["location", "add", "--name", "Dallas", "--routing-prefix", "8214", "--country", "US"]
    )
    .status
    .success());
    let header = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n";

    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{header},Organization,,Ann,Lee,Ann Lee,'+12015550123,4001\n")).unwrap();
    let out = vext(&url, &["csv", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("1 rows: 1 valid (1 to add"), "{}", text(&out.stdout));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header},Organization,,,,Ann,1.21E+10,4001\n,Location,Dallas,,,Bob,(214) 555-0100,4002\n"),
    )
    .unwrap();
    let out = vext(&url, &["csv", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("row 2, Phone Number: PHONE_NUMBER_SCIENTIFIC_NOTATION: "), "{stdout}");
    assert!(
        stdout.contains("row 3, Phone Number: PHONE_NUMBER_MISSING_PLUS: ")
            && stdout.contains("+12145550100"),
        "{stdout}"
    );
    assert!(stdout.contains("2 with errors"), "{stdout}");

    let out = vext(&url, &["csv", "check", "--format", "json", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(json["valid"], false);
    assert_eq!(json["summary"]["failed"], 2);
    assert_eq!(json["problems"][0]["row"], 2);
    assert_eq!(json["problems"][0]["column"], "Phone Number");
    assert_eq!(json["problems"][0]["code"], "PHONE_NUMBER_SCIENTIFIC_NOTATION");

    let unusable = dir.path().join("latin1.csv");
    std::fs::write(
        &unusable,
        b"Level,Display Name,Phone Number,Extension\nOrganization,Jos\xe9,+12015550123,4001\n",
    )
    .unwrap();
    let out = vext(&url, &["csv", "check", unusable.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("FILE_NOT_UTF8") && text(&out.stderr).contains("CSV UTF-8"),
        "{}",
        text(&out.stderr)
    );
    let out =
        vext(&url, &["csv", "check", "--format", "json", dir.path().join("missing.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["code"], "FILE_UNREADABLE");
}

fn vext_with_stdin(db_url: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vext"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run vext");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn admin_create_reads_the_password_from_stdin_and_applies_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "Root@Example.com", "--role", "full"],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Created full administrator root@example.com"),
        "{}",
        text(&out.stdout)
    );

    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "root@example.com", "--role", "read-only"],
        "another long one\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Email: EMAIL_IN_USE:"), "{}", text(&out.stderr));

    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "ro@example.com", "--role", "read-only"],
        "password123\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Password: PASSWORD_TOO_COMMON:"), "{}", text(&out.stderr));

    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "loc@example.com", "--role", "location"],
        "a long passphrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Location: LOCATION_REQUIRED:"), "{}", text(&out.stderr));

    let out = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "x@example.com", "--role", "owner"],
        "a long passphrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Role: ROLE_INVALID:"), "{}", text(&out.stderr));
}

#[cfg(unix)]
#[test]
fn serve_answers_then_shuts_down_gracefully_on_sigterm() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vext"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start vext");
    let started = Instant::now();
    let healthy = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            break answer.starts_with("HTTP/1.1 200");
        }
        assert!(started.elapsed() < Duration::from_secs(20), "vext did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(healthy, "GET /healthz answers 200");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(stopped.elapsed() < Duration::from_secs(10), "vext did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(exit.success(), "exit {exit:?}\n{log}");
    assert!(log.contains("no administrator exists yet"), "{log}");
    assert!(log.contains("vext stopped"), "{log}");
}

#[test]
fn settings_mode_shows_and_sets_with_a_warning_for_enhanced() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let out = vext(&url, &["settings", "mode"]);
    assert!(text(&out.stdout).contains("Virtual extension mode: Standard"), "{}", text(&out.stdout));
    let out = vext(&url, &["settings", "mode", "enhanced"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Standard → Enhanced"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("PSTN provider"), "{}", text(&out.stderr));
    let out = vext(&url, &["settings", "mode"]);
    assert!(text(&out.stdout).contains("Enhanced"));
    let out = vext(&url, &["settings", "mode", "turbo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("use standard or enhanced"), "{}", text(&out.stderr));
}

#[test]
fn admin_reset_password_disable_and_enable_are_the_way_back_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let created = vext_with_stdin(
        &url,
        &["admin", "create", "--email", "root@example.com", "--role", "full"],
        "a long passphrase\n",
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    vext_with_stdin(
        &url,
        &["admin", "create", "--email", "ro@example.com", "--role", "read-only"],
        "a long passphrase\n",
    );

    let out = vext_with_stdin(
        &url,
        &["admin", "reset-password", "--email", "ROOT@example.com"],
        "a brand new passphrase\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("New password set for root@example.com"), "{}", text(&out.stdout));
    let out = vext_with_stdin(&url, &["admin", "reset-password", "--email", "root@example.com"], "short\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Password: PASSWORD_TOO_SHORT:"), "{}", text(&out.stderr));
    let out = vext_with_stdin(
        &url,
        &["admin", "reset-password", "--email", "nobody@example.com"],
        "a long passphrase\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("was not found"), "{}", text(&out.stderr));

    // The last active full administrator cannot be disabled, even from the command line.
    let out = vext(&url, &["admin", "disable", "--email", "root@example.com"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("LAST_FULL_ADMINISTRATOR"), "{}", text(&out.stderr));
    let out = vext(&url, &["admin", "disable", "--email", "ro@example.com"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&vext(&url, &["admin", "list"]).stdout);
    assert!(listed.contains("ro@example.com\tREAD_ONLY\tdisabled"), "{listed}");
    assert!(vext(&url, &["admin", "enable", "--email", "ro@example.com"]).status.success());
    let listed = text(&vext(&url, &["admin", "list"]).stdout);
    assert!(listed.contains("ro@example.com\tREAD_ONLY\tactive"), "{listed}");
}

#[test]
fn csv_import_applies_valid_rows_and_export_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    assert!(vext(&url, &["location", "add", "--name", "Dallas", "--routing-prefix", "8214"])
        .status
        .success());
    let file = dir.path().join("bulk.csv");
    std::fs::write(
        &file,
        "\u{feff}Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n\
         ADD,Organization,,Ann,Lee,Ann Lee,'+12015550101,4001\r\n\
         ADD,Location,Dallas,,,Desk,+12015550102,100\r\n\
         ADD,Organization,,,,Bad,+1201,4003\r\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    // All or nothing: one bad row, nothing applied, exit 1.
    let out = vext(&url, &["csv", "import", path, "--all-or-nothing"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("row 4, Phone Number:"), "{report}");
    assert!(report.contains("nothing was changed"), "{report}");

    // Without it, the valid rows go in; still exit 1 because a row failed.
    let out = vext(&url, &["csv", "import", path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["applied"], true);
    assert_eq!(json["summary"]["add"], 2);
    assert_eq!(json["summary"]["failed"], 1);

    // The export re-imports with every row unchanged, exit 0.
    let exported = dir.path().join("export.csv");
    let out = vext(&url, &["csv", "export", "--out", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&exported).unwrap();
    assert!(written
        .starts_with("Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n"));
    assert!(written.contains("UPDATE,Location,Dallas,,,Desk,+12015550102,100\r\n"), "{written}");
    let out = vext(&url, &["csv", "import", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("2 rows: 2 valid (0 to add, 0 to update, 0 to delete, 2 unchanged)"),
        "{}",
        text(&out.stdout)
    );

    // A file that is not a CSV of this shape: exit 2 with the reason.
    std::fs::write(&file, "Name,Number\nAnn,1\n").unwrap();
    let out = vext(&url, &["csv", "import", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("HEADER_"), "{}", text(&out.stderr));
}

#[test]
fn token_create_prints_the_secret_once_list_shows_it_revoke_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    assert!(vext(&url, &["location", "add", "--name", "Dallas"]).status.success());
    let out = vext(
        &url,
        &[
            "token",
            "create",
            "--name",
            "Dallas sync",
            "--role",
            "location",
            "--location",
            "Dallas",
            "--expires-days",
            "30",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // stdout is the secret alone, for `TOKEN=$(vext token create …)`; the rest is on stderr.
    let secret = text(&out.stdout).trim().to_string();
    assert!(secret.starts_with("vext_") && secret.len() == 69, "{secret}");
    assert!(
        text(&out.stderr)
            .contains("Created API token Dallas sync (location administrator of Dallas, expires "),
        "{}",
        text(&out.stderr)
    );
    // Names are unique; the rules' codes come back as for administrators.
    let again = vext(&url, &["token", "create", "--name", "Dallas sync", "--role", "full"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("Name: NAME_IN_USE"), "{}", text(&again.stderr));
    let bad = vext(&url, &["token", "create", "--name", "x", "--role", "location"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("Location: LOCATION_REQUIRED"), "{}", text(&bad.stderr));
    let listed = text(&vext(&url, &["token", "list"]).stdout);
    assert!(listed.contains("\tDallas sync\tLOCATION\tDallas\tActive\tcommand line"), "{listed}");
    assert!(!listed.contains(&secret), "the secret is never shown again");
    // A token holds its location until it is revoked.
    let held = vext(&url, &["location", "delete", "--location", "Dallas"]);
    assert_eq!(held.status.code(), Some(1));
    assert!(text(&held.stderr).contains("1 API token manages it"), "{}", text(&held.stderr));
    let out = vext(&url, &["token", "revoke", "Dallas sync"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("API token Dallas sync is revoked"), "{}", text(&out.stdout));
    assert!(text(&vext(&url, &["token", "list"]).stdout).contains("\tRevoked\t"));
    let out = vext(&url, &["location", "delete", "--location", "Dallas"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let missing = vext(&url, &["token", "revoke", "Nobody"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn route_and_caller_id_answer_as_test_call_routing_does() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vext.db", dir.path().display());
    let add = ["location", "add", "--name", "Dallas", "--routing-prefix", "8214", "--country", "US"];
    assert!(vext(&url, &[&add[..], &["--outside-dial-digit", "9"]].concat()).status.success());
    assert!(vext(&url, &["location", "add", "--name", "Austin", "--routing-prefix", "8300"])
        .status
        .success());
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n\
         ADD,Location,Dallas,Key,Customer,Key Customer,+12145550101,4001\n",
    )
    .unwrap();
    let out = vext(&url, &["csv", "import", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The ESN from another location: exit 0, the destination, the number and the steps.
    let out = vext(&url, &["route", "--from", "Austin", "82144001"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("VIRTUAL_EXTENSION") && said.contains("Calls +12145550101"), "{said}");
    assert!(said.contains("An ESN: routing prefix 8214 of Dallas"), "{said}");
    // The outside dial digit, then a US national number.
    let out = vext(&url, &["route", "--from", "Dallas", "912145550199"]);
    assert!(text(&out.stdout).contains("PSTN_NUMBER") && text(&out.stdout).contains("Calls +12145550199"));
    // Nothing matched: exit 1. JSON for scripts.
    assert_eq!(vext(&url, &["route", "--from", "Austin", "4001"]).status.code(), Some(1));
    let out = vext(&url, &["route", "--format", "json", "--from", "Dallas", "4001"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["destination"], "VIRTUAL_EXTENSION");
    assert_eq!(json["routing_address"], "+12145550101");
    // Caller ID: the ESN to a phone elsewhere, the extension at home; nobody: exit 1.
    let out = vext(&url, &["caller-id", "--to", "Austin", "+12145550101"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Shows: Key Customer 82144001"), "{}", text(&out.stdout));
    let out = vext(&url, &["caller-id", "--to", "Dallas", "(214) 555-0101"]);
    assert!(text(&out.stdout).contains("Shows: Key Customer 4001"), "{}", text(&out.stdout));
    assert_eq!(vext(&url, &["caller-id", "+19995550100"]).status.code(), Some(1));
    let out = vext(&url, &["route", "--from", "Nowhere", "4001"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not found"), "{}", text(&out.stderr));
}

/// `vext ARGS` with exactly the given environment variables of vext's (the rest of the
/// environment is kept, minus every setting vext reads, so the machine's own do not leak in).
fn vext_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vext"));
    for (name, _) in std::env::vars() {
        if name.starts_with("VEXT_")
            || name.starts_with("LEPTOS_")
            || name == "DATABASE_URL"
            || name == "RUST_LOG"
        {
            command.env_remove(name);
        }
    }
    command.args(args).envs(env.iter().copied()).output().expect("run vext")
}

/// The line of `vext config check`'s table that shows `setting`.
fn setting_line<'a>(report: &'a str, setting: &str) -> &'a str {
    report
        .lines()
        .find(|line| line.split_whitespace().next() == Some(setting))
        .unwrap_or_else(|| panic!("no line for {setting} in:\n{report}"))
}

#[test]
fn config_check_shows_every_value_and_its_source_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vext.toml");
    std::fs::write(
        &file,
        "database_url = \"postgres://vext:hunter2-db@db.internal/vext\"\n\
         addr = \"0.0.0.0:8080\"\n\
         api_rate = 50\n\
         metrics = \"token\"\n\
         metrics_token = \"s3cret-token-0123456789\"\n\
         public_origin = [\"https://vext.example.com\"]\n",
    )
    .unwrap();
    let file_arg = file.to_str().unwrap();
    let out = vext_env(
        &["config", "check", "--config", file_arg, "--api-burst", "300"],
        &[("VEXT_API_RATE", "70")],
    );
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(report.contains("The configuration is valid."), "{report}");
    let line = |setting| setting_line(&report, setting);
    assert!(
        line("addr").contains("0.0.0.0:8080") && line("addr").contains(&format!("file {file_arg}")),
        "{}",
        line("addr")
    );
    assert!(
        line("api_rate").contains("70") && line("api_rate").contains("environment VEXT_API_RATE"),
        "{}",
        line("api_rate")
    );
    assert!(line("api_burst").contains("300") && line("api_burst").contains("flag"), "{}", line("api_burst"));
    assert!(
        line("body_limit").contains("1048576") && line("body_limit").contains("default"),
        "{}",
        line("body_limit")
    );
    assert!(line("metrics_token").contains("(set, 23 characters)"), "{}", line("metrics_token"));
    assert!(
        line("database_url").contains("postgres://vext:***@db.internal/vext"),
        "{}",
        line("database_url")
    );
    assert!(!report.contains("s3cret") && !report.contains("hunter2"), "no secret is printed:\n{report}");

    // VEXT_CONFIG names the file as well as --config does.
    let out = vext_env(&["config", "check"], &[("VEXT_CONFIG", file_arg)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(setting_line(&text(&out.stdout), "api_rate").contains("50"));
}

#[test]
fn nonsense_settings_are_refused_by_config_check_and_by_serve() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vext.toml");
    std::fs::write(&file, "public_origin = \"vext.example.com\"\ntask_lease_secs = 1\n").unwrap();
    let file_arg = file.to_str().unwrap();
    let out = vext_env(&["config", "check", "--config", file_arg, "--body-limit", "0"], &[]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "error: public_origin: \"vext.example.com\" has no scheme: write https://vext.example.com"
        ),
        "{report}"
    );
    assert!(report.contains("error: task_lease_secs: 1 s is shorter than"), "{report}");
    assert!(report.contains("error: body_limit: 0 makes no sense"), "{report}");

    // serve refuses to start with them (exit 2, before it opens anything).
    let url = format!("sqlite://{}/never.db", dir.path().display());
    let out = vext_env(&["serve", "--config", file_arg, "--addr", "127.0.0.1:0"], &[("DATABASE_URL", &url)]);
    let errors = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{errors}");
    assert!(errors.contains("vext: error: task_lease_secs: 1 s is shorter than"), "{errors}");
    assert!(!dir.path().join("never.db").exists(), "nothing was created");

    // A file with an unknown setting, or not TOML, is refused with where and why.
    std::fs::write(&file, "api_rtae = 5\n").unwrap();
    let out = vext_env(&["config", "check", "--config", file_arg], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sets api_rtae, which is not a vext setting (did you mean api_rate?)"),
        "{}",
        text(&out.stderr)
    );
    let out =
        vext_env(&["config", "check", "--config", dir.path().join("missing.toml").to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the configuration file"), "{}", text(&out.stderr));
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/vext.db", dir.path().display());
    let run = |args: &[&str]| vext_env(args, &[("DATABASE_URL", url.as_str())]);
    assert_eq!(run(&["location", "add", "--name", "Before"]).status.code(), Some(0));
    let file = dir.path().join("vext-backup.db");
    let file_arg = file.to_str().unwrap();
    let out = run(&["backup", "--out", file_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("integrity check ok"), "{}", text(&out.stdout));
    let out = run(&["backup", "--out", file_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    assert_eq!(run(&["location", "add", "--name", "After"]).status.code(), Some(0));

    let out = run(&["restore", file_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("is kept as"), "{}", text(&out.stdout));
    let listed = text(&run(&["location", "list"]).stdout);
    assert!(listed.contains("Before") && !listed.contains("After"), "{listed}");

    // PostgreSQL: the line to use instead.
    let out = vext_env(&["backup", "--out", file_arg], &[("DATABASE_URL", "postgres://vext:pw@db/vext")]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("pg_dump --format=custom") && !said.contains(":pw@"), "{said}");
}
