//! The `vext` binary as admins script it: exit codes and messages.

use std::process::{Command, Output};

fn vext(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vext"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env_remove("RUST_LOG")
        .output()
        .expect("run vext")
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
    assert!(listed.contains("\tDallas\t8214\tUS"), "{listed}");
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
