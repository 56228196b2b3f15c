//! The phone systems' look-ups answer from memory, across processes: real `vext serve`
//! processes on one database.
//! - A change made through a replica is seen by that replica's next look-up.
//! - A change made through another replica (PostgreSQL, `LISTEN/NOTIFY`) or by another process
//!   (SQLite, the version check) is seen within 1 second.
//! - When the database stops answering, the last snapshot keeps answering and `/readyz` says
//!   it is stale; when it answers again, so does `/readyz`.
//! - Two replicas on one PostgreSQL: a session made on one works on the other, an edit made on
//!   one is seen on the other, and an import whose replica is SIGKILLed mid-way is finished by
//!   the other, exactly once.

use crate::common;

use app::model::token::ApiTokenInput;
use app::model::{LocationInput, VirtualExtensionInput};
use common::{full_admin, TestDb};
use server::services::audit::command_line;
use server::services::{locations, tokens, virtual_extensions};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// How soon another replica must see a change.
const WITHIN: Duration = Duration::from_secs(1);

/// One `vext serve` on a free loopback port, stopped when dropped.
struct Replica {
    child: Child,
    base: String,
    _site: tempfile::TempDir,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Replica {
    fn start(database_url: &str) -> Replica {
        Self::start_with(database_url, &[])
    }

    fn start_with(database_url: &str, env: &[(&str, &str)]) -> Replica {
        let site = tempfile::tempdir().expect("site dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_vext"))
            .arg("serve")
            .envs(env.iter().copied())
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_SITE_ROOT", site.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vext serve");
        // The address it listens on, from its log; the rest of the log is drained.
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            let line = lines.next().expect("vext serve exited before listening").expect("read log");
            if let Some(at) = line.find("vext listening on ") {
                break line[at + "vext listening on ".len()..].trim().to_string();
            }
            assert!(Instant::now() < deadline, "vext serve did not start");
        };
        // The rest of its log goes to the test's output (shown when a test fails).
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| eprintln!("[vext] {line}")));
        Replica { child, base, _site: site }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn seed(t: &TestDb) -> (String, String) {
    let location = LocationInput {
        name: "Dallas".into(),
        routing_prefix: "8214".into(),
        country: "US".into(),
        ..Default::default()
    };
    let dallas = locations::create(&t.db, &command_line(), &location).await.unwrap().id;
    let input = ApiTokenInput { name: "Kamailio".into(), role: "read-only".into(), ..Default::default() };
    let token = tokens::create(&t.db, &command_line(), &input).await.unwrap().secret;
    (dallas, token)
}

fn entry(dallas: &str, n: u32) -> VirtualExtensionInput {
    VirtualExtensionInput {
        level: "LOCATION".into(),
        location: dallas.to_string(),
        display_name: format!("Remote {n}"),
        phone_number: format!("+1201555{:04}", 1000 + n),
        extension: format!("{}", 4000 + n),
        ..Default::default()
    }
}

/// The route look-up's answer: the status and the body.
async fn route(http: &reqwest::Client, replica: &Replica, token: &str, dialed: &str) -> (u16, String) {
    let url = replica.url(&format!("/v1/vext/route?location=Dallas&dialed={dialed}&format=text"));
    match http.get(url).bearer_auth(token).timeout(Duration::from_secs(5)).send().await {
        Ok(response) => (response.status().as_u16(), response.text().await.unwrap_or_default()),
        Err(error) => panic!("the look-up did not answer: {error}"),
    }
}

/// How long until `replica` routes `dialed` to `number` (polling every 10 ms, for `limit`).
async fn seen_after(
    http: &reqwest::Client,
    replica: &Replica,
    token: &str,
    dialed: &str,
    number: &str,
    limit: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if route(http, replica, token, dialed).await == (200, format!("{number}\n")) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

async fn ready(http: &reqwest::Client, replica: &Replica) -> (u16, serde_json::Value) {
    let response = http.get(replica.url("/readyz")).send().await.expect("readyz answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("readyz is JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replicas_see_each_others_changes_within_a_second() {
    let Some(t) = TestDb::postgres().await else { return };
    let (dallas, token) = seed(&t).await;
    let (a, b) = (Replica::start(&t.url), Replica::start(&t.url));
    let http = reqwest::Client::new();
    let input = ApiTokenInput { name: "Admin".into(), role: "full".into(), ..Default::default() };
    let full_token = tokens::create(&t.db, &command_line(), &input).await.unwrap().secret;
    // Both have built their snapshot.
    assert_eq!(route(&http, &a, &token, "4001").await.0, 404);
    assert_eq!(route(&http, &b, &token, "4001").await.0, 404);
    let mut slowest = Duration::ZERO;
    for n in 1..=5 {
        let e = entry(&dallas, n);
        let body = serde_json::json!({
            "displayName": e.display_name, "phoneNumber": e.phone_number,
            "extension": e.extension, "locationId": dallas,
        });
        let created = http
            .post(a.url("/v1/telephony/config/virtualExtensions"))
            .bearer_auth(&full_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        // The replica that made the change: its very next look-up.
        assert_eq!(route(&http, &a, &token, &e.extension).await, (200, format!("{}\n", e.phone_number)));
        // The other one: within a second.
        let took = seen_after(&http, &b, &token, &e.extension, &e.phone_number, Duration::from_secs(5))
            .await
            .expect("the other replica never saw the change");
        slowest = slowest.max(took);
    }
    println!("a change reached the other replica in at most {} ms", slowest.as_millis());
    assert!(slowest <= WITHIN, "the other replica took {slowest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sees_another_processs_changes_within_a_second() {
    let t = TestDb::sqlite().await;
    let (dallas, token) = seed(&t).await;
    let replica = Replica::start(&t.url);
    let http = reqwest::Client::new();
    assert_eq!(route(&http, &replica, &token, "4001").await.0, 404);
    // This test process writes the database file, as `vext` on the command line would.
    let mut slowest = Duration::ZERO;
    for n in 1..=3 {
        let e = entry(&dallas, n);
        virtual_extensions::create(&t.db, &full_admin(), &e).await.unwrap();
        let took = seen_after(&http, &replica, &token, &e.extension, &e.phone_number, Duration::from_secs(5))
            .await
            .expect("the server never saw the change");
        slowest = slowest.max(took);
    }
    println!("a change by another process was seen in at most {} ms", slowest.as_millis());
    assert!(slowest <= WITHIN, "it took {slowest:?}");
}

/// A TCP relay to PostgreSQL that can be cut (every connection closed, no new one accepted)
/// and restored on the same port.
struct Relay {
    port: u16,
    upstream: String,
    tasks: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Relay { port, upstream: upstream.to_string(), tasks: Default::default() };
        relay.accept(listener);
        relay
    }

    fn accept(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let connections = tasks.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(pipe);
            }
        });
        tasks.lock().unwrap().push(acceptor);
    }

    /// Closes every connection and stops accepting.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("the relay's port again");
        self.accept(listener);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_down_the_last_snapshot_answers_and_readyz_says_stale() {
    let Some(t) = TestDb::postgres().await else { return };
    let (dallas, token) = seed(&t).await;
    virtual_extensions::create(&t.db, &full_admin(), &entry(&dallas, 1)).await.unwrap();
    // postgres://user@host:port/name → the same through the relay.
    let (scheme_user, rest) = t.url.split_once('@').expect("user@host in the test URL");
    let (authority, database) = rest.split_once('/').expect("a database in the test URL");
    let relay = Relay::start(authority).await;
    let replica = Replica::start(&format!("{scheme_user}@127.0.0.1:{}/{database}", relay.port));
    let http = reqwest::Client::new();
    assert_eq!(route(&http, &replica, &token, "4001").await, (200, "+12015551001\n".into()));
    let (status, body) = ready(&http, &replica).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["directory"]["fresh"], true, "{body}");

    relay.cut();
    // Look-ups keep answering from memory, at once and for as long as the database is away.
    let down = Instant::now();
    let mut stale = None;
    while down.elapsed() < Duration::from_secs(20) {
        let asked = Instant::now();
        assert_eq!(route(&http, &replica, &token, "4001").await, (200, "+12015551001\n".into()));
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "a look-up waited {:?} for the database",
            asked.elapsed()
        );
        let (status, body) = ready(&http, &replica).await;
        if status == 503 && body["directory"]["fresh"] == false {
            stale = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stale = stale.expect("/readyz never said the directory was stale");
    assert!(stale["problems"].to_string().contains("stale"), "{stale}");

    relay.restore().await;
    let back = Instant::now();
    loop {
        let (status, body) = ready(&http, &replica).await;
        if status == 200 {
            assert_eq!(body["directory"]["fresh"], true, "{body}");
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "/readyz did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And changes flow again.
    virtual_extensions::create(&t.db, &full_admin(), &entry(&dallas, 2)).await.unwrap();
    seen_after(&http, &replica, &token, "4002", "+12015551002", Duration::from_secs(5))
        .await
        .expect("changes after the outage are seen");
}

/// `ROWS` new organization-level entries, as a CSV file.
fn big_file(rows: usize) -> Vec<u8> {
    let mut file =
        String::from("Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n");
    for i in 0..rows {
        file.push_str(&format!(
            "ADD,Organization,,Given{i},Family{i},Imported {i},+1303{:07},{}\r\n",
            5_550_000 + i,
            600_000 + i
        ));
    }
    file.into_bytes()
}

/// A multipart/form-data body with one file field, as a browser posts it.
fn multipart(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("vext-test-{}", uuid::Uuid::now_v7().simple());
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_sessions_and_edits_and_finish_an_import_whose_replica_died() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use server::store::entities::task;
    const ROWS: usize = 20_000;
    let Some(t) = TestDb::postgres().await else { return };
    let password = "replicas share everything";
    common::add_admin(&t.db, "ops@example.com", app::model::admin::Role::Full, &[], password).await.unwrap();
    let lease = server::config::MIN_TASK_LEASE_SECS.to_string();
    let env = [("VEXT_TASK_LEASE_SECS", lease.as_str()), ("VEXT_SIGN_IN_LIMIT", "1000")];
    let a = Replica::start_with(&t.url, &env);
    let b = Replica::start_with(&t.url, &env);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // Signed in on A, the session works on B.
    let signed_in = http
        .post(a.url("/api/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", "ops@example.com"), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 200);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page =
        |replica: &Replica, path: &str| http.get(replica.url(path)).header("cookie", cookie.as_str()).send();
    let on_b = page(&b, app::paths::VIRTUAL_EXTENSIONS).await.unwrap();
    assert_eq!(on_b.status().as_u16(), 200, "the session made on A is good on B");

    // An edit made through A is on B's page.
    let created = http
        .post(a.url("/api/create_virtual_extension"))
        .header("cookie", cookie.as_str())
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .form(&[
            ("input[level]", "ORGANIZATION"),
            ("input[display_name]", "Made On A"),
            ("input[extension]", "4321"),
            ("input[phone_number]", "+12015550321"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 200, "{}", created.text().await.unwrap_or_default());
    let listed = page(&b, &format!("{}?search=Made", app::paths::VIRTUAL_EXTENSIONS)).await.unwrap();
    assert!(listed.text().await.unwrap().contains("Made On A"), "B lists the entry made on A");

    // A 20,000-row import submitted on A; the replica that claims it is killed mid-import.
    let (content_type, body) = multipart("replicas.csv", &big_file(ROWS));
    let submitted = http
        .post(a.url("/api/imports"))
        .header("cookie", cookie.as_str())
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status().as_u16(), 201);
    let id = submitted.json::<serde_json::Value>().await.unwrap()["task_id"].as_str().unwrap().to_string();
    let owner = {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let row = task::Entity::find_by_id(id.as_str()).one(&t.db).await.unwrap().unwrap();
            if let Some(owner) = row.lease_owner {
                break owner;
            }
            assert!(Instant::now() < deadline, "no replica claimed the import");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut replicas = [a, b];
    let dying = usize::from(!owner.contains(&format!(":{}:", replicas[0].child.id())));
    replicas[dying].child.kill().expect("SIGKILL");
    replicas[dying].child.wait().unwrap();
    let survivor = &replicas[1 - dying];
    let row = task::Entity::find_by_id(id.as_str()).one(&t.db).await.unwrap().unwrap();
    assert!(row.status.is_active(), "the import ended before the kill: make it larger");
    let killed_at = Instant::now();

    // The other replica takes it over when the lease runs out, and finishes it.
    let deadline = Instant::now() + Duration::from_secs(180);
    let finished = loop {
        let row = task::Entity::find_by_id(id.as_str()).one(&t.db).await.unwrap().unwrap();
        if !row.status.is_active() {
            break row;
        }
        assert!(Instant::now() < deadline, "the surviving replica never finished the import");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("the survivor finished the import {:?} after the kill (lease {lease} s)", killed_at.elapsed());
    assert_eq!((finished.status, finished.added), (app::model::task::TaskStatus::Completed, ROWS as i64));
    assert!(finished.attempts >= 2, "claimed again after the kill: {}", finished.attempts);
    let total = server::services::virtual_extensions::list(&t.db, &app::model::ListQuery::default())
        .await
        .unwrap()
        .total;
    assert_eq!(total, ROWS as u64 + 1, "every row once, beside the entry made on A");
    let query = app::model::audit::AuditQuery { what: "import.applied".into(), ..Default::default() };
    let applied = server::services::audit::list(&t.db, &full_admin(), &query).await.unwrap();
    assert_eq!(applied.total, 1, "one audit entry: the import was applied exactly once");
    let active = task::Entity::find()
        .filter(task::Column::Status.is_in(app::model::task::TaskStatus::ACTIVE))
        .all(&t.db)
        .await
        .unwrap();
    assert!(active.is_empty(), "no task left stuck");
    // The survivor still serves the session.
    let still = http
        .get(survivor.url(app::paths::VIRTUAL_EXTENSIONS))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(still.status().as_u16(), 200);
}
