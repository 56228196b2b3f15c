//! The REST API over real HTTP (a listener on a free loopback port), on SQLite and PostgreSQL:
//! every virtual extension endpoint, its errors and their body, tokens and roles, paging by
//! `Link`, and concurrent creates.

use crate::common;

use app::model::token::ApiTokenInput;
use app::model::{ErrorCode, LocationInput};
use common::web::{app, ONE_AT_A_TIME};
use common::TestDb;
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::services::audit::command_line;
use server::services::{locations, tokens, virtual_extensions};
use std::net::SocketAddr;

const ENTRIES: &str = "/v1/telephony/config/virtualExtensions";

/// vext serving `t` on a free loopback port until dropped.
struct Served {
    base: String,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(t: &TestDb) -> Served {
    let router = {
        let _turn = ONE_AT_A_TIME.lock().await;
        app(t, None).await
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Served { base, http: reqwest::Client::new(), task }
}

impl Served {
    fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    fn send(&self, method: reqwest::Method, token: &str, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token).json(&body)
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }
}

async fn token(t: &TestDb, name: &str, role: &str, locations: &[&str]) -> String {
    let input = ApiTokenInput {
        name: name.into(),
        role: role.into(),
        locations: locations.iter().map(|l| l.to_string()).collect(),
        expires_days: String::new(),
    };
    tokens::create(&t.db, &command_line(), &input).await.unwrap().secret
}

async fn location(t: &TestDb, name: &str, prefix: &str) -> String {
    let new = LocationInput {
        name: name.into(),
        routing_prefix: prefix.into(),
        country: "US".into(),
        ..Default::default()
    };
    locations::create(&t.db, &command_line(), &new).await.unwrap().id
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

/// The error body's shape, and the codes it carries.
async fn refusal(response: reqwest::Response, status: StatusCode) -> Vec<u64> {
    assert_eq!(response.status(), status);
    let tracking =
        response.headers().get("trackingid").expect("TrackingID header").to_str().unwrap().to_string();
    let body = json_of(response).await;
    let object = body.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["message", "errors", "trackingId"], "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    assert_eq!(body["trackingId"], tracking.as_str());
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["description"].as_str().unwrap().is_empty(), "{e}");
            e["errorCode"].as_u64().unwrap()
        })
        .collect()
}

/// Audit events recorded under `actor` (an API token's "API token N").
async fn audited_as(t: &TestDb, actor: &str) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use server::store::entities::audit_event;
    audit_event::Entity::find().filter(audit_event::Column::Actor.eq(actor)).count(&t.db).await.unwrap()
}

fn code(code: ErrorCode) -> u64 {
    u64::from(code.number())
}

on_both_databases! {
    async fn an_entry_is_created_read_listed_changed_and_deleted(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Provisioning", "full", &[]).await;
        let dallas = location(t, "Dallas", "8214").await;
        let made = s
            .send(reqwest::Method::POST, &full, ENTRIES, json!({
                "displayName": "Ann Lee", "firstName": "Ann", "lastName": "Lee",
                "phoneNumber": "+12015550123", "extension": "4001", "locationId": dallas,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), StatusCode::CREATED);
        let id = json_of(made).await["id"].as_str().unwrap().to_string();
        assert!(!id.contains(['/', '+', '=']), "{id}");
        let entry = json_of(s.get(&full, &format!("{ENTRIES}/{id}")).send().await.unwrap()).await;
        assert_eq!(
            entry,
            json!({
                "id": id, "extension": "4001", "routingPrefix": "8214", "esn": "82144001",
                "phoneNumber": "+12015550123", "firstName": "Ann", "lastName": "Lee",
                "displayName": "Ann Lee", "level": "LOCATION", "locationId": dallas, "locationName": "Dallas",
            })
        );
        // Organization level: esn is the extension, and there are no location keys.
        let org = s
            .send(reqwest::Method::POST, &full, ENTRIES, json!({
                "displayName": "Bo", "phoneNumber": "+12015550124", "extension": "4002",
            }))
            .send()
            .await
            .unwrap();
        let org_id = json_of(org).await["id"].as_str().unwrap().to_string();
        let org = json_of(s.get(&full, &format!("{ENTRIES}/{org_id}")).send().await.unwrap()).await;
        assert_eq!(org, json!({
            "id": org_id, "extension": "4002", "esn": "4002", "phoneNumber": "+12015550124",
            "displayName": "Bo", "level": "ORGANIZATION",
        }));
        let list = json_of(s.get(&full, ENTRIES).send().await.unwrap()).await;
        assert_eq!(list["virtualExtensions"].as_array().unwrap().len(), 2);
        // A change keeps what it does not name; null clears a name.
        let changed = s
            .send(reqwest::Method::PUT, &full, &format!("{ENTRIES}/{id}"), json!({
                "displayName": "Ann Lee-Smith", "lastName": null, "extension": "4010",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);
        let entry = json_of(s.get(&full, &format!("{ENTRIES}/{id}")).send().await.unwrap()).await;
        assert_eq!(entry["displayName"], "Ann Lee-Smith");
        assert_eq!(entry["extension"], "4010");
        assert_eq!(entry["esn"], "82144010");
        assert_eq!(entry["firstName"], "Ann");
        assert!(entry.get("lastName").is_none(), "{entry}");
        // The audit log names the token.
        let history = virtual_extensions::history(&t.db, &common::full_admin(), &id).await.unwrap();
        assert!(history.iter().all(|h| h.actor == "API token Provisioning"), "{history:?}");
        assert_eq!(history.len(), 2);
        let gone = s.http.delete(s.url(&format!("{ENTRIES}/{id}"))).bearer_auth(&full).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::NO_CONTENT);
        let again = s.http.delete(s.url(&format!("{ENTRIES}/{id}"))).bearer_auth(&full).send().await.unwrap();
        assert_eq!(refusal(again, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);
        let read = s.get(&full, &format!("{ENTRIES}/{id}")).send().await.unwrap();
        assert_eq!(refusal(read, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);
    }

    async fn refusals_say_which_rule_and_never_500(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Scripts", "full", &[]).await;
        let post = |body: Value| s.send(reqwest::Method::POST, &full, ENTRIES, body).send();
        // Every field problem at once, each with its number.
        let codes = refusal(
            post(json!({"displayName": "", "phoneNumber": "2015550123", "extension": "1"})).await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(
            codes,
            [code(ErrorCode::DisplayNameRequired), code(ErrorCode::ExtensionTooShort), code(ErrorCode::PhoneNumberMissingPlus)]
        );
        // In use: 409.
        post(json!({"displayName": "A", "phoneNumber": "+12015550100", "extension": "4100"})).await.unwrap();
        let codes = refusal(
            post(json!({"displayName": "B", "phoneNumber": "+12015550100", "extension": "4100"})).await.unwrap(),
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(codes, [code(ErrorCode::ExtensionInUse), code(ErrorCode::PhoneNumberInUse)]);
        // Unknown keys, named.
        let response = post(json!({"displayName": "A", "phoneNumber": "+12015550101", "extension": "4101", "department": "x", "level": "x"}))
            .await
            .unwrap();
        let text = response.text().await.unwrap();
        assert!(text.contains("\\\"department\\\"") && text.contains("\\\"level\\\""), "{text}");
        // Malformed JSON, wrong types, a missing key, no JSON at all.
        for (body, why) in [
            ("{\"displayName\": ", "not valid JSON"),
            ("[1, 2]", "JSON object"),
            ("{\"displayName\": 5, \"phoneNumber\": \"+12015550102\", \"extension\": \"4102\"}", "displayName"),
            ("{\"phoneNumber\": \"+12015550102\", \"extension\": \"4102\"}", "displayName"),
        ] {
            let response = s
                .http
                .post(s.url(ENTRIES))
                .bearer_auth(&full)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
            let message = json_of(response).await["message"].as_str().unwrap().to_string();
            assert!(message.contains(why), "{body}: {message}");
        }
        let plain = s.http.post(s.url(ENTRIES)).bearer_auth(&full).body("displayName=A").send().await.unwrap();
        assert_eq!(refusal(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE).await, [code(ErrorCode::BadRequest)]);
        let huge = json!({"displayName": "x".repeat(1_100_000), "phoneNumber": "+12015550103", "extension": "4103"});
        let response = post(huge).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // A long string that fits: the rule's own message.
        let long = json!({"displayName": "x".repeat(500_000), "phoneNumber": "+12015550103", "extension": "4103"});
        assert_eq!(refusal(post(long).await.unwrap(), StatusCode::BAD_REQUEST).await, [code(ErrorCode::DisplayNameTooLong)]);
        // Impossible paging, an absurd id.
        for query in ["max=-1", "max=0", "max=1001", "max=1000000000000", "start=-5", "start=x", "order=colour", "orgLevelOnly=maybe", "locationId=a&orgLevelOnly=TRUE"] {
            let response = s.get(&full, &format!("{ENTRIES}?{query}")).send().await.unwrap();
            assert_eq!(refusal(response, StatusCode::BAD_REQUEST).await, [code(ErrorCode::BadRequest)], "{query}");
        }
        let long_id = "a".repeat(10_000);
        let response = s.get(&full, &format!("{ENTRIES}/{long_id}")).send().await.unwrap();
        assert_eq!(refusal(response, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);
        let unknown = s.get(&full, "/v1/telephony/config/nothingHere").send().await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // A tracking id given is the one answered.
        let tracked = s.get(&full, ENTRIES).header("TrackingID", "ROUTER_1234").send().await.unwrap();
        assert_eq!(tracked.headers()["trackingid"], "ROUTER_1234");
    }

    async fn only_a_valid_token_gets_in_and_its_role_rules(t: &TestDb) {
        let s = serve(t).await;
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8215").await;
        let full = token(t, "Full", "full", &[]).await;
        let reader = token(t, "Reader", "read-only", &[]).await;
        let local = token(t, "Dallas script", "location", &["Dallas"]).await;
        // No token, a cookie, a malformed or unknown token: 401.
        let none = s.http.get(s.url(ENTRIES)).send().await.unwrap();
        assert_eq!(refusal(none, StatusCode::UNAUTHORIZED).await, [code(ErrorCode::Unauthorized)]);
        let session = common::web::cookie(t).await;
        let cookie = s.http.get(s.url(ENTRIES)).header("cookie", session).send().await.unwrap();
        let codes = refusal(cookie, StatusCode::UNAUTHORIZED).await;
        assert_eq!(codes, [code(ErrorCode::Unauthorized)]);
        for bad in ["x", "vext_", &format!("vext_{}", "0".repeat(64))] {
            let response = s.get(bad, ENTRIES).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        }
        // The pages take no token.
        let page = s.http.post(s.url("/api/list_virtual_extensions")).bearer_auth(&full).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
        let body = |ext: &str, location: Option<&str>| {
            let mut body = json!({"displayName": "X", "phoneNumber": format!("+1201555{ext:0>4}"), "extension": ext});
            if let Some(l) = location {
                body["locationId"] = json!(l);
            }
            body
        };
        let post = |token: &str, body: Value| s.send(reqwest::Method::POST, token, ENTRIES, body).send();
        // Read-only reads, changes nothing.
        assert_eq!(s.get(&reader, ENTRIES).send().await.unwrap().status(), StatusCode::OK);
        let refused = post(&reader, body("5001", None)).await.unwrap();
        assert_eq!(refusal(refused, StatusCode::FORBIDDEN).await, [code(ErrorCode::Forbidden)]);
        // A location token: its own location only.
        assert_eq!(post(&local, body("5002", Some(&dallas))).await.unwrap().status(), StatusCode::CREATED);
        assert_eq!(post(&local, body("5003", Some(&austin))).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(post(&local, body("5004", None)).await.unwrap().status(), StatusCode::FORBIDDEN);
        let theirs = json_of(post(&full, body("5005", Some(&austin))).await.unwrap()).await["id"].as_str().unwrap().to_string();
        let delete = s.http.delete(s.url(&format!("{ENTRIES}/{theirs}"))).bearer_auth(&local).send().await.unwrap();
        assert_eq!(delete.status(), StatusCode::FORBIDDEN);
        // Revoked: refused within a second (the server's cache reads tokens again every RECHECK).
        assert_eq!(s.get(&reader, ENTRIES).send().await.unwrap().status(), StatusCode::OK);
        // The last use is written in the background (the request does not wait for it).
        let recorded = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let reader_id = loop {
            let listed = tokens::list(&t.db, &command_line()).await.unwrap();
            let reader = listed.iter().find(|l| l.name == "Reader").unwrap();
            if reader.last_used_at.is_some() {
                break reader.id.clone();
            }
            assert!(std::time::Instant::now() < recorded, "the last use was never recorded");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        tokens::revoke(&t.db, &command_line(), &reader_id).await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let status = s.get(&reader, ENTRIES).send().await.unwrap().status();
            if status == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "a revoked token still works after a second");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        t.exec("UPDATE api_token SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'Full'").await.unwrap();
        // The cache holds a known token for at most RECHECK; the expiry it read is checked on
        // every request, so this one needs a fresh read.
        tokio::time::sleep(tokens::RECHECK).await;
        assert_eq!(s.get(&full, ENTRIES).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    async fn following_link_from_max_7_returns_every_row_once_with_every_filter(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Pager", "full", &[]).await;
        let dallas = location(t, "Dallas", "8214").await;
        for i in 0..23 {
            let mut body = json!({
                "displayName": format!("Person {i:02}"),
                "lastName": if i % 2 == 0 { "Even" } else { "Odd" },
                "phoneNumber": format!("+1201555{:04}", 100 + i),
                "extension": format!("{}", 4100 + i),
            });
            if i % 3 == 0 {
                body["locationId"] = json!(dallas);
            }
            let made = s.send(reqwest::Method::POST, &full, ENTRIES, body).send().await.unwrap();
            assert_eq!(made.status(), StatusCode::CREATED);
        }
        let walk = |query: String| {
            let s = &s;
            let full = full.clone();
            async move {
                let mut next = Some(format!("{}{ENTRIES}?{query}", s.base));
                let mut seen = Vec::new();
                let mut pages = 0;
                while let Some(url) = next.take() {
                    let response = s.get(&full, &url).send().await.unwrap();
                    assert_eq!(response.status(), StatusCode::OK, "{url}");
                    next = response.headers().get("link").map(|l| {
                        let l = l.to_str().unwrap();
                        assert!(l.ends_with(">; rel=\"next\""), "{l}");
                        l[1..l.find('>').unwrap()].to_string()
                    });
                    if let Some(n) = &next {
                        for part in query.split('&').filter(|p| !p.is_empty()) {
                            assert!(n.contains(part), "{n} repeats {part}");
                        }
                    }
                    let page = json_of(response).await;
                    let items = page["virtualExtensions"].as_array().unwrap().clone();
                    assert!(items.len() <= 7);
                    seen.extend(items.iter().map(|e| e["displayName"].as_str().unwrap().to_string()));
                    pages += 1;
                    assert!(pages < 20, "the links loop");
                }
                seen
            }
        };
        let all = walk("max=7".into()).await;
        let mut expected: Vec<String> = (0..23).map(|i| format!("Person {i:02}")).collect();
        assert_eq!(all, expected, "every row once, in name order");
        let descending = walk("max=7&order=extension-desc".into()).await;
        expected.reverse();
        assert_eq!(descending, expected);
        let odd = walk("max=7&name=odd".into()).await;
        assert_eq!(odd.len(), 11);
        let at_dallas = walk(format!("max=7&locationId={dallas}")).await;
        assert_eq!(at_dallas.len(), 8);
        let by_name = walk("max=7&locationName=Dallas&name=even".into()).await;
        assert_eq!(by_name.len(), 4);
        let org = walk("max=7&orgLevelOnly=True".into()).await;
        assert_eq!(org.len(), 15);
        assert_eq!(walk("max=7&extension=4105".into()).await, ["Person 05"]);
        assert_eq!(walk("max=7&phoneNumber=%2B12015550107".into()).await, ["Person 07"]);
        assert!(walk("max=7&locationName=Nowhere".into()).await.is_empty());
    }

    async fn concurrent_creates_all_land_and_one_extension_has_one_winner(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Bulk", "full", &[]).await;
        let creates = (0..100).map(|i| {
            s.send(reqwest::Method::POST, &full, ENTRIES, json!({
                "displayName": format!("Bulk {i}"), "phoneNumber": format!("+1201555{:04}", 2000 + i),
                "extension": format!("{}", 6000 + i),
            }))
            .send()
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(creates).await.into_iter().map(|r| r.unwrap().status()).collect();
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
        let same = (0..10).map(|i| {
            s.send(reqwest::Method::POST, &full, ENTRIES, json!({
                "displayName": format!("Same {i}"), "phoneNumber": format!("+1201555{:04}", 3000 + i),
                "extension": "7000",
            }))
            .send()
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(same).await.into_iter().map(|r| r.unwrap().status()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 9, "{statuses:?}");
        let page = virtual_extensions::list(&t.db, &Default::default()).await.unwrap();
        assert_eq!(page.total, 101);
    }

    async fn what_the_api_makes_the_pages_show_and_the_reverse(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Agree", "full", &[]).await;
        let made = s
            .send(reqwest::Method::POST, &full, ENTRIES, json!({"displayName": "Via API", "phoneNumber": "+12015550150", "extension": "4150"}))
            .send()
            .await
            .unwrap();
        let id = json_of(made).await["id"].as_str().unwrap().to_string();
        let shown = virtual_extensions::get(&t.db, &id).await.unwrap();
        assert_eq!(shown.display_name, "Via API");
        assert_eq!(
            virtual_extensions::export_record(&shown),
            ["UPDATE", "Organization", "", "", "", "Via API", "+12015550150", "4150"].map(String::from)
        );
        let input = app::model::VirtualExtensionInput {
            level: "ORGANIZATION".into(),
            display_name: "Via page".into(),
            extension: "4151".into(),
            phone_number: "+12015550151".into(),
            ..Default::default()
        };
        let saved = virtual_extensions::create(&t.db, &common::full_admin(), &input).await.unwrap();
        let read = json_of(s.get(&full, &format!("{ENTRIES}/{}", saved.entry.id)).send().await.unwrap()).await;
        assert_eq!(read["displayName"], "Via page");
        assert_eq!(read["esn"], "4151");
    }

    async fn the_mode_is_read_and_set_and_numbers_are_validated_in_order(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Settings", "full", &[]).await;
        let reader = token(t, "Reader", "read-only", &[]).await;
        let settings = "/v1/telephony/config/virtualExtensions/settings";
        assert_eq!(json_of(s.get(&reader, settings).send().await.unwrap()).await, json!({"mode": "STANDARD"}));
        let refused = s.send(reqwest::Method::PUT, &reader, settings, json!({"mode": "ENHANCED"})).send().await.unwrap();
        assert_eq!(refusal(refused, StatusCode::FORBIDDEN).await, [code(ErrorCode::Forbidden)]);
        let set = s.send(reqwest::Method::PUT, &full, settings, json!({"mode": "ENHANCED"})).send().await.unwrap();
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
        assert_eq!(json_of(s.get(&full, settings).send().await.unwrap()).await, json!({"mode": "ENHANCED"}));
        let bad = s.send(reqwest::Method::PUT, &full, settings, json!({"mode": "Fancy"})).send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        s.send(reqwest::Method::PUT, &full, settings, json!({"mode": "STANDARD"})).send().await.unwrap();

        let validate = "/v1/telephony/config/virtualExtensions/actions/validateNumbers/invoke";
        s.send(reqwest::Method::POST, &full, ENTRIES, json!({"displayName": "A", "phoneNumber": "+12015550180", "extension": "4180"}))
            .send()
            .await
            .unwrap();
        let ok = s.send(reqwest::Method::POST, &reader, validate, json!({"phoneNumbers": ["+12015550181", "+12015550182"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(ok).await, json!({"status": "OK"}), "no phoneNumberStatus key, never null");
        let numbers = ["+12015550181", "2015550183", "+12015550180", "+1 201 555 0181"];
        let errors = json_of(
            s.send(reqwest::Method::POST, &reader, validate, json!({"phoneNumbers": numbers})).send().await.unwrap(),
        )
        .await;
        assert_eq!(errors["status"], "ERRORS");
        let statuses = errors["phoneNumberStatus"].as_array().unwrap();
        let states: Vec<(&str, &str, u64)> = statuses
            .iter()
            .map(|s| (s["phoneNumber"].as_str().unwrap(), s["state"].as_str().unwrap(), s["errorCode"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                ("+12015550181", "VALID", 0),
                ("2015550183", "INVALID", code(ErrorCode::PhoneNumberMissingPlus)),
                ("+12015550180", "DUPLICATE", code(ErrorCode::PhoneNumberInUse)),
                ("+1 201 555 0181", "INVALID", code(ErrorCode::PhoneNumberFormatting)),
            ]
        );
        assert!(statuses.iter().all(|s| !s["message"].as_str().unwrap().is_empty()));
        let twice = json_of(
            s.send(reqwest::Method::POST, &reader, validate, json!({"phoneNumbers": ["+12015550184", "+12015550184"]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(twice["phoneNumberStatus"][1]["state"], "DUPLICATE_IN_LIST");
        assert_eq!(twice["phoneNumberStatus"][0]["state"], "VALID");
        let too_many: Vec<String> = (0..1001).map(|i| format!("+1201555{i:04}")).collect();
        let response = s.send(reqwest::Method::POST, &reader, validate, json!({"phoneNumbers": too_many})).send().await.unwrap();
        assert_eq!(refusal(response, StatusCode::BAD_REQUEST).await, [code(ErrorCode::BadRequest)]);
    }

    async fn locations_are_listed_read_created_and_their_routing_prefix_changed(t: &TestDb) {
        let s = serve(t).await;
        let dallas = location(t, "Dallas", "8214").await;
        location(t, "Austin", "8215").await;
        let full = token(t, "Full", "full", &[]).await;
        let local = token(t, "Dallas script", "location", &["Dallas"]).await;
        // Created with an address and a time zone; keys the cloud product asks for are accepted.
        let body = json!({
            "name": "Chicago HQ",
            "timeZone": "America/Chicago",
            "preferredLanguage": "en_us",
            "announcementLanguage": "en_us",
            "address": {"address1": "1 Main St", "city": "Chicago", "state": "IL", "postalCode": "60601", "country": "us"}
        });
        let created = s.send(reqwest::Method::POST, &full, "/v1/locations", body).send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let id = json_of(created).await["id"].as_str().unwrap().to_string();
        let read = json_of(s.get(&full, &format!("/v1/locations/{id}")).send().await.unwrap()).await;
        assert_eq!(
            read,
            json!({"id": id, "name": "Chicago HQ", "timeZone": "America/Chicago",
                   "address": {"address1": "1 Main St", "city": "Chicago", "state": "IL", "postalCode": "60601", "country": "US"}})
        );
        // The Locations page's list has it.
        assert!(locations::list(&t.db).await.unwrap().iter().any(|l| l.id == id && l.country.as_deref() == Some("US")));
        // By name, with a filter, paged by Link.
        let all = json_of(s.get(&full, "/v1/locations").send().await.unwrap()).await;
        let names: Vec<&str> = all["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Austin", "Chicago HQ", "Dallas"]);
        let mut followed = Vec::new();
        let mut next = Some(s.url("/v1/locations?name=A&max=1"));
        while let Some(url) = next.take() {
            let page = s.get(&full, &url).send().await.unwrap();
            next = page.headers().get("link").map(|l| l.to_str().unwrap().split(['<', '>']).nth(1).unwrap().to_string());
            if let Some(link) = &next {
                assert!(link.contains("name=A") && link.contains("max=1"), "{link}");
            }
            let items = json_of(page).await["items"].as_array().unwrap().clone();
            assert_eq!(items.len(), 1);
            followed.push(items[0]["name"].as_str().unwrap().to_string());
        }
        assert_eq!(followed, ["Austin", "Chicago HQ", "Dallas"], "names with an a, any case, once each");
        // A location token sees its own location only.
        let mine = json_of(s.get(&local, "/v1/locations").send().await.unwrap()).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        assert_eq!(mine["items"][0]["id"], dallas.as_str());
        let hidden = s.get(&local, &format!("/v1/locations/{id}")).send().await.unwrap();
        assert_eq!(refusal(hidden, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);
        // Refusals name each field.
        let bad = json!({"name": "", "timeZone": "Mars/Olympus Mons", "address": {"city": "x".repeat(101)}});
        let refused = s.send(reqwest::Method::POST, &full, "/v1/locations", bad).send().await.unwrap();
        let codes = refusal(refused, StatusCode::BAD_REQUEST).await;
        for expected in [ErrorCode::NameRequired, ErrorCode::AddressInvalid, ErrorCode::TimeZoneInvalid] {
            assert!(codes.contains(&code(expected)), "{expected:?} in {codes:?}");
        }
        let no_country = json!({"name": "Nowhere", "address": {}});
        let refused = s.send(reqwest::Method::POST, &full, "/v1/locations", no_country).send().await.unwrap();
        assert_eq!(refusal(refused, StatusCode::BAD_REQUEST).await, [code(ErrorCode::CountryInvalid)]);
        let stray = json!({"name": "Nowhere", "address": {"country": "US", "planet": "Earth"}});
        let refused = s.send(reqwest::Method::POST, &full, "/v1/locations", stray).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert!(refused.text().await.unwrap().contains("planet"));
        let taken = json!({"name": "Dallas", "address": {"country": "US"}});
        let refused = s.send(reqwest::Method::POST, &full, "/v1/locations", taken).send().await.unwrap();
        assert_eq!(refusal(refused, StatusCode::CONFLICT).await, [code(ErrorCode::NameInUse)]);
        let refused = s.send(reqwest::Method::POST, &local, "/v1/locations", json!({"name": "Mine", "address": {"country": "US"}})).send().await.unwrap();
        assert_eq!(refusal(refused, StatusCode::FORBIDDEN).await, [code(ErrorCode::Forbidden)]);
        // Calling settings: the routing prefix, under the Locations page's rules.
        let calling = format!("/v1/telephony/config/locations/{dallas}");
        let settings = json_of(s.get(&full, &calling).send().await.unwrap()).await;
        assert_eq!(settings, json!({"id": dallas, "name": "Dallas", "routingPrefix": "8214"}));
        let put = |token: &str, body: Value| s.send(reqwest::Method::PUT, token, &calling, body).send();
        assert_eq!(put(&full, json!({"routingPrefix": "8299"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(locations::get(&t.db, &dallas).await.unwrap().routing_prefix.as_deref(), Some("8299"));
        let overlapping = put(&full, json!({"routingPrefix": "82150"})).await.unwrap();
        assert_eq!(refusal(overlapping, StatusCode::CONFLICT).await, [code(ErrorCode::RoutingPrefixOverlaps)]);
        let letters = put(&full, json!({"routingPrefix": "82a"})).await.unwrap();
        assert_eq!(refusal(letters, StatusCode::BAD_REQUEST).await, [code(ErrorCode::RoutingPrefixNotDigits)]);
        assert_eq!(put(&local, json!({"routingPrefix": "8300"})).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(put(&full, json!({"routingPrefix": null})).await.unwrap().status(), StatusCode::NO_CONTENT);
        let cleared = json_of(s.get(&full, &calling).send().await.unwrap()).await;
        assert_eq!(cleared, json!({"id": dallas, "name": "Dallas"}));
        // The outside dial digit: one digit, kept when another key changes, removed by null.
        assert_eq!(put(&full, json!({"outsideDialDigit": "9"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(put(&full, json!({"routingPrefix": "8214"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        let both = json_of(s.get(&full, &calling).send().await.unwrap()).await;
        assert_eq!(both, json!({"id": dallas, "name": "Dallas", "routingPrefix": "8214", "outsideDialDigit": "9"}));
        let two = put(&full, json!({"outsideDialDigit": "99"})).await.unwrap();
        assert_eq!(refusal(two, StatusCode::BAD_REQUEST).await, [code(ErrorCode::OutsideDialDigitInvalid)]);
        assert_eq!(put(&full, json!({"outsideDialDigit": null})).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(locations::get(&t.db, &dallas).await.unwrap().outside_dial_digit, None);
        let n = audited_as(t, "API token Full").await;
        assert!(n >= 3, "the create and the two prefix changes are audited as the token: {n}");
    }

    async fn the_organization_is_told_and_org_id_is_checked(t: &TestDb) {
        let s = serve(t).await;
        let reader = token(t, "Reader", "read-only", &[]).await;
        let me = json_of(s.get(&reader, "/v1/organizations/me").send().await.unwrap()).await;
        let id = me["id"].as_str().unwrap().to_string();
        assert!(!id.is_empty() && !id.contains(['/', '+', '=']), "{id}");
        assert_eq!(me.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "displayName"]);
        // Stable: the same id from the database on another read.
        assert_eq!(server::services::settings::organization(&t.db).await.unwrap().id, id);
        let ours = s.get(&reader, &format!("{ENTRIES}?orgId={id}")).send().await.unwrap();
        assert_eq!(ours.status(), StatusCode::OK);
        let other = s.get(&reader, &format!("{ENTRIES}?orgId=someone-else")).send().await.unwrap();
        assert_eq!(refusal(other, StatusCode::FORBIDDEN).await, [code(ErrorCode::OrganizationMismatch)]);
        let other = s.get(&reader, "/v1/locations?orgId=someone-else").send().await.unwrap();
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
    }

    async fn an_import_is_submitted_followed_and_its_errors_read(t: &TestDb) {
        let s = serve(t).await;
        location(t, "Dallas", "8214").await;
        let full = token(t, "Importer", "full", &[]).await;
        let local = token(t, "Dallas script", "location", &["Dallas"]).await;
        let reader = token(t, "Reader", "read-only", &[]).await;
        let file = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n\
                    ,Organization,,Ann,Lee,Ann Lee,+12015550123,4001\n\
                    ,Location,Dallas,,,Bob Ray,+12145550100,4002\n\
                    ,Organization,,,,Bad Number,12345,4003\n";
        let csv = |token: &str, path: &str, body: &'static str| {
            s.http.post(s.url(path)).bearer_auth(token).header("content-type", "text/csv").body(body).send()
        };
        // Validate: the report, nothing changed.
        let report = json_of(csv(&full, "/v1/vext/imports/validate", file).await.unwrap()).await;
        assert_eq!((report["valid"].as_bool(), report["rows"].as_u64(), report["add"].as_u64(), report["failed"].as_u64()), (Some(false), Some(3), Some(2), Some(1)), "{report}");
        assert_eq!(report["problems"][0]["row"], 4);
        assert_eq!(report["problems"][0]["column"], "Phone Number");
        assert_eq!(report["problems"][0]["severity"], "ERROR");
        assert!(report["problems"][0]["errorCode"].as_u64().unwrap() > 1300);
        assert_eq!(virtual_extensions::list(&t.db, &Default::default()).await.unwrap().total, 0);
        // Submit: 202, its id and where to follow it.
        let submitted = csv(&full, "/v1/vext/imports?allOrNothing=false&fileName=people.csv", file).await.unwrap();
        assert_eq!(submitted.status(), StatusCode::ACCEPTED);
        let at = submitted.headers()["location"].to_str().unwrap().to_string();
        let id = json_of(submitted).await["id"].as_str().unwrap().to_string();
        assert_eq!(at, format!("{}/v1/vext/imports/{id}", s.base));
        let queued = json_of(s.get(&full, &at).send().await.unwrap()).await;
        assert_eq!((queued["state"].as_str(), queued["finished"].as_bool(), queued["fileName"].as_str()), (Some("QUEUED"), Some(false), Some("people.csv")));
        assert_eq!(queued["submittedBy"], "API token Importer");
        // The same file while queued: the same task.
        let again = json_of(csv(&full, "/v1/vext/imports", file).await.unwrap()).await;
        assert_eq!(again["id"].as_str(), Some(id.as_str()));
        // A worker runs it as the token.
        let worker = server::services::import::Worker::new(t.db.clone(), Default::default(), std::time::Duration::from_secs(30));
        worker.run_once().await.unwrap().expect("the task ran");
        let done = json_of(s.get(&full, &at).send().await.unwrap()).await;
        assert_eq!(
            (done["state"].as_str(), done["added"].as_u64(), done["failed"].as_u64(), done["progress"].as_u64(), done["problems"].as_u64()),
            (Some("COMPLETED_WITH_ERRORS"), Some(2), Some(1), Some(100), Some(1)),
            "{done}"
        );
        let listed = json_of(s.get(&full, ENTRIES).send().await.unwrap()).await;
        assert_eq!(listed["virtualExtensions"].as_array().unwrap().len(), 2);
        let errors = s.get(&full, &format!("{at}/errors.csv")).send().await.unwrap();
        assert_eq!(errors.headers()["content-type"], "text/csv; charset=utf-8");
        let errors = errors.text().await.unwrap();
        assert!(errors.contains("Bad Number") && !errors.contains("Ann Lee"), "{errors}");
        // Another's task is not a location token's to read; a reader may not import.
        let hidden = s.get(&local, &at).send().await.unwrap();
        assert_eq!(refusal(hidden, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);
        let refused = csv(&reader, "/v1/vext/imports", file).await.unwrap();
        assert_eq!(refusal(refused, StatusCode::FORBIDDEN).await, [code(ErrorCode::Forbidden)]);
        // Not CSV, empty, or not a CSV of the template: refused with the reason.
        let json_body = s.send(reqwest::Method::POST, &full, "/v1/vext/imports", json!({})).send().await.unwrap();
        assert_eq!(json_body.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let empty = csv(&full, "/v1/vext/imports", "").await.unwrap();
        assert_eq!(refusal(empty, StatusCode::BAD_REQUEST).await, [code(ErrorCode::FileEmpty)]);
        let wrong = csv(&full, "/v1/vext/imports", "Name,Number\nAnn,1\n").await.unwrap();
        let codes = refusal(wrong, StatusCode::BAD_REQUEST).await;
        assert!(codes.iter().all(|c| (1600..1700).contains(c)), "{codes:?}");
        // The audit log names the token.
        let n = audited_as(t, "API token Importer").await;
        assert!(n >= 1, "the import's changes are audited as the token");
        // A token revoked while its import waits: the import does not run.
        let doomed = token(t, "Doomed", "full", &[]).await;
        let later = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\n\
                     ,Organization,,,,Cy Doe,+12015550199,4009\n";
        let queued = json_of(csv(&doomed, "/v1/vext/imports", later).await.unwrap()).await;
        let doomed_id = tokens::list(&t.db, &command_line()).await.unwrap().into_iter().find(|k| k.name == "Doomed").unwrap().id;
        tokens::revoke(&t.db, &command_line(), &doomed_id).await.unwrap();
        worker.run_once().await.unwrap().expect("the task was taken");
        let task = format!("/v1/vext/imports/{}", queued["id"].as_str().unwrap());
        let failed = json_of(s.get(&full, &task).send().await.unwrap()).await;
        assert_eq!(failed["state"], "FAILED", "{failed}");
        assert!(failed["error"].as_str().unwrap().contains("revoked"), "{failed}");
        assert_eq!(json_of(s.get(&full, ENTRIES).send().await.unwrap()).await["virtualExtensions"].as_array().unwrap().len(), 2);
    }

    async fn every_documented_route_answers_and_every_route_is_documented(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Docs", "full", &[]).await;
        let document = json_of(s.http.get(s.url("/v1/openapi.json")).send().await.unwrap()).await;
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
        let paths = document["paths"].as_object().unwrap();
        let mut documented: Vec<String> = Vec::new();
        for (path, operations) in paths {
            for method in operations.as_object().unwrap().keys() {
                documented.push(format!("{} {path}", method.to_uppercase()));
                let url = format!("/v1{}", path.replace("{id}", "00000000-0000-0000-0000-000000000000"));
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let response = s.http.request(method.clone(), s.url(&url)).bearer_auth(&full).json(&json!({})).send().await.unwrap();
                // Answered by the route itself: not the fallback's 404 body, not 405.
                assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
                let body = response.text().await.unwrap();
                assert!(!body.contains("No such resource"), "{method} {url}: {body}");
            }
        }
        documented.sort();
        let mut expected = vec![
            "GET /telephony/config/virtualExtensions",
            "POST /telephony/config/virtualExtensions",
            "GET /telephony/config/virtualExtensions/{id}",
            "PUT /telephony/config/virtualExtensions/{id}",
            "DELETE /telephony/config/virtualExtensions/{id}",
            "GET /telephony/config/virtualExtensions/settings",
            "PUT /telephony/config/virtualExtensions/settings",
            "POST /telephony/config/virtualExtensions/actions/validateNumbers/invoke",
            "GET /locations",
            "POST /locations",
            "GET /locations/{id}",
            "GET /telephony/config/locations/{id}",
            "PUT /telephony/config/locations/{id}",
            "GET /organizations/me",
            "POST /vext/imports",
            "POST /vext/imports/validate",
            "GET /vext/imports/{id}",
            "GET /vext/imports/{id}/errors.csv",
            "GET /telephony/config/virtualExtensionRanges",
            "POST /telephony/config/virtualExtensionRanges",
            "GET /telephony/config/virtualExtensionRanges/{id}",
            "PUT /telephony/config/virtualExtensionRanges/{id}",
            "PUT /telephony/config/virtualExtensionRanges/{id}/",
            "DELETE /telephony/config/virtualExtensionRanges/{id}",
            "POST /telephony/config/virtualExtensionRanges/actions/validate/invoke",
            "POST /telephony/config/actions/testCallRouting/invoke",
            "GET /vext/route",
            "GET /vext/callerId",
            "GET /vext/directory",
        ];
        expected.sort();
        assert_eq!(documented, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_over_its_rate_gets_429_with_retry_after() {
    let t = TestDb::sqlite().await;
    let secret = token(&t, "Fast", "read-only", &[]).await;
    let router = server::http::v1::router(server::http::v1::Api {
        db: t.db.clone(),
        tokens: Default::default(),
        limits: std::sync::Arc::new(server::http::ratelimit::TokenBuckets::new(1, 3)),
        public_origin: Some("https://vext.example.com".into()),
        trust_forwarded_for: false,
        organization: Default::default(),
        imports: Default::default(),
        dial_plans: Default::default(),
        phone_books: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    let http = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(
            http.get(format!("{base}{ENTRIES}")).bearer_auth(&secret).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let refused = http.get(format!("{base}{ENTRIES}")).bearer_auth(&secret).send().await.unwrap();
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1).contains(&wait), "{wait}");
    assert_eq!(refusal(refused, StatusCode::TOO_MANY_REQUESTS).await, [code(ErrorCode::TooManyRequests)]);
    task.abort();
}

on_both_databases! {
    async fn ranges_are_created_listed_changed_validated_and_deleted(t: &TestDb) {
        const RANGES: &str = "/v1/telephony/config/virtualExtensionRanges";
        let s = serve(t).await;
        let full = token(t, "Ranges", "full", &[]).await;
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8512").await;
        let local = token(t, "Dallas only", "location", &[&dallas]).await;
        let reader = token(t, "Reader", "read-only", &[]).await;
        let post = |token: &str, body: Value| s.send(reqwest::Method::POST, token, RANGES, body).send();
        let made = post(&full, json!({"name": "Sales", "prefix": "+1214555", "patterns": ["12XX", "13xx"]})).await.unwrap();
        assert_eq!(made.status(), StatusCode::CREATED);
        let sales = json_of(made).await["id"].as_str().unwrap().to_string();
        let made = post(&local, json!({"name": "Dallas block", "prefix": "+1972555", "patterns": ["7XXX"], "locationId": dallas})).await.unwrap();
        assert_eq!(made.status(), StatusCode::CREATED);
        let block = json_of(made).await["id"].as_str().unwrap().to_string();
        // Roles as for entries.
        let refused = post(&local, json!({"name": "Org", "prefix": "+1214556", "patterns": ["5XXX"]})).await.unwrap();
        assert_eq!(refusal(refused, StatusCode::FORBIDDEN).await, [code(ErrorCode::Forbidden)]);
        let refused = post(&local, json!({"name": "Austin", "prefix": "+1214556", "locationId": austin})).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let refused = post(&reader, json!({"name": "R", "prefix": "+1214556"})).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        // Read, in the cloud product's shape.
        let read = json_of(s.get(&reader, &format!("{RANGES}/{sales}")).send().await.unwrap()).await;
        assert_eq!(read, json!({"id": sales, "name": "Sales", "prefix": "+1214555", "patterns": ["12XX", "13XX"]}));
        let read = json_of(s.get(&reader, &format!("{RANGES}/{block}")).send().await.unwrap()).await;
        assert_eq!(read["locationId"], dallas.as_str());
        assert_eq!(read["locationName"], "Dallas");
        let missing = s.get(&reader, &format!("{RANGES}/00000000-0000-0000-0000-000000000000")).send().await.unwrap();
        assert_eq!(refusal(missing, StatusCode::NOT_FOUND).await, [code(ErrorCode::NotFound)]);

        // Lists: filters, order and paging by Link.
        let listed = json_of(s.get(&reader, RANGES).send().await.unwrap()).await;
        let items = listed["virtualExtensionRanges"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], json!({"id": block, "name": "Dallas block", "prefix": "+1972555", "level": "LOCATION", "locationId": dallas, "locationName": "Dallas"}));
        assert_eq!(items[1], json!({"id": sales, "name": "Sales", "prefix": "+1214555", "level": "ORGANIZATION"}));
        let names = |v: &Value| v["virtualExtensionRanges"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(names(&json_of(s.get(&reader, &format!("{RANGES}?orgLevelOnly=true")).send().await.unwrap()).await), ["Sales"]);
        assert_eq!(names(&json_of(s.get(&reader, &format!("{RANGES}?locationId={dallas}")).send().await.unwrap()).await), ["Dallas block"]);
        assert_eq!(names(&json_of(s.get(&reader, &format!("{RANGES}?name=SAL")).send().await.unwrap()).await), ["Sales"]);
        assert_eq!(names(&json_of(s.get(&reader, &format!("{RANGES}?prefix=%2B1972")).send().await.unwrap()).await), ["Dallas block"]);
        assert_eq!(names(&json_of(s.get(&reader, &format!("{RANGES}?order=name-desc")).send().await.unwrap()).await), ["Sales", "Dallas block"]);
        let first = s.get(&reader, &format!("{RANGES}?max=1")).send().await.unwrap();
        let link = first.headers().get("link").expect("a next page").to_str().unwrap().to_string();
        let next = link.trim_start_matches('<').split('>').next().unwrap().to_string();
        assert_eq!(names(&json_of(s.get(&reader, &next).send().await.unwrap()).await), ["Sales"]);
        let bad = s.get(&reader, &format!("{RANGES}?order=size")).send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

        // Change: ADD, REMOVE, REPLACE, with and without the trailing slash; strict keys.
        let put = |path: String, body: Value| s.send(reqwest::Method::PUT, &full, &path, body).send();
        let at = format!("{RANGES}/{sales}");
        assert_eq!(put(at.clone(), json!({"patterns": ["14XX"], "action": "ADD"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        assert_eq!(put(format!("{at}/"), json!({"patterns": ["12XX"], "action": "REMOVE"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        let read = json_of(s.get(&reader, &at).send().await.unwrap()).await;
        assert_eq!(read["patterns"], json!(["13XX", "14XX"]));
        assert_eq!(put(at.clone(), json!({"name": "Sales desk", "patterns": ["20XX"], "action": "REPLACE"})).await.unwrap().status(), StatusCode::NO_CONTENT);
        let read = json_of(s.get(&reader, &at).send().await.unwrap()).await;
        assert_eq!((read["name"].as_str(), read["patterns"].clone()), (Some("Sales desk"), json!(["20XX"])));
        let no_action = put(at.clone(), json!({"patterns": ["21XX"]})).await.unwrap();
        assert_eq!(refusal(no_action, StatusCode::BAD_REQUEST).await, [code(ErrorCode::ActionInvalid)]);
        let stray = put(at.clone(), json!({"locationId": dallas})).await.unwrap();
        assert_eq!(stray.status(), StatusCode::BAD_REQUEST);
        let absent = put(at.clone(), json!({"patterns": ["77XX"], "action": "REMOVE"})).await.unwrap();
        assert_eq!(refusal(absent, StatusCode::BAD_REQUEST).await, [code(ErrorCode::PatternNotInRange)]);
        // Past 100 patterns in all: 400 with the cloud product's 27854.
        let many: Vec<String> = (0..100).map(|i| format!("{}X", 300 + i)).collect();
        let over = put(at.clone(), json!({"patterns": many, "action": "ADD"})).await.unwrap();
        assert_eq!(refusal(over, StatusCode::BAD_REQUEST).await, [27854]);

        // Rules against the scope: an overlapping pattern, a taken name, an ESN.
        let overlap = post(&full, json!({"name": "Other", "prefix": "+1214557", "patterns": ["201X"]})).await.unwrap();
        assert_eq!(refusal(overlap, StatusCode::CONFLICT).await, [code(ErrorCode::PatternOverlaps)]);
        let taken = post(&full, json!({"name": "sales DESK", "prefix": "+1214557"})).await.unwrap();
        assert_eq!(refusal(taken, StatusCode::CONFLICT).await, [code(ErrorCode::RangeNameInUse)]);
        let entry = s.send(reqwest::Method::POST, &full, ENTRIES, json!({"displayName": "Cy", "phoneNumber": "+12015550123", "extension": "7001", "locationId": dallas})).send().await.unwrap();
        assert_eq!(entry.status(), StatusCode::CREATED);
        let esn = post(&full, json!({"name": "Wide", "prefix": "+1214557", "patterns": ["8214XXXX"]})).await.unwrap();
        assert_eq!(refusal(esn, StatusCode::CONFLICT).await, [code(ErrorCode::PatternConflictsWithEsn)]);
        let syntax = post(&full, json!({"name": "Bad", "prefix": "1214557", "patterns": ["1X2X"]})).await.unwrap();
        let codes = refusal(syntax, StatusCode::BAD_REQUEST).await;
        assert_eq!(codes, [code(ErrorCode::PrefixInvalid), code(ErrorCode::PatternInvalid)]);

        // Validate: OK, or one status per item at fault.
        const VALIDATE: &str = "/v1/telephony/config/virtualExtensionRanges/actions/validate/invoke";
        let check = |body: Value| s.send(reqwest::Method::POST, &reader, VALIDATE, body).send();
        let ok = json_of(check(json!({"name": "New", "prefix": "+14089", "patterns": ["12XXXX"]})).await.unwrap()).await;
        assert_eq!(ok, json!({"status": "OK"}));
        let faults = json_of(check(json!({"name": "SALES DESK", "prefix": "+14089", "patterns": ["20XX", "5XX", "5XX", "1X2"]})).await.unwrap()).await;
        assert_eq!(faults["status"], "ERRORS");
        let statuses = faults["virtualExtensionRangeValidationStatus"].as_array().unwrap();
        let got: Vec<(String, String)> = statuses
            .iter()
            .map(|s| {
                let item = s.get("name").or(s.get("prefix")).or(s.get("pattern")).and_then(Value::as_str).unwrap_or("").to_string();
                (item, s["status"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(got, [
            ("5XX".to_string(), "DUPLICATE_IN_LIST".to_string()),
            ("1X2".to_string(), "INVALID".to_string()),
        ], "syntax first; scope rules only once the input is valid: {faults}");
        let scope = json_of(check(json!({"name": "SALES DESK", "prefix": "+14089", "patterns": ["20XX"]})).await.unwrap()).await;
        let statuses = scope["virtualExtensionRangeValidationStatus"].as_array().unwrap();
        assert_eq!(statuses.len(), 2, "{scope}");
        assert_eq!(statuses[0]["name"], "SALES DESK");
        assert_eq!(statuses[0]["status"], "DUPLICATE");
        assert_eq!(statuses[0]["errorCode"], code(ErrorCode::RangeNameInUse).to_string());
        assert_eq!(statuses[1]["pattern"], "20XX");
        assert!(!statuses[1]["message"].as_str().unwrap().is_empty());
        // With rangeId, the range itself is no conflict.
        let own = json_of(check(json!({"rangeId": sales, "patterns": ["20XX", "21XX"]})).await.unwrap()).await;
        assert_eq!(own, json!({"status": "OK"}));
        let limit: Vec<String> = (0..101).map(|i| format!("{}X", 300 + i)).collect();
        let limited = json_of(check(json!({"prefix": "+14089", "patterns": limit})).await.unwrap()).await;
        assert_eq!(limited["virtualExtensionRangeValidationStatus"][0]["status"], "LIMIT_EXCEEDED");

        // Delete: the patterns go with the range; the location then can go too.
        let refused = s.send(reqwest::Method::DELETE, &local, &at, json!({})).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let in_use = locations::delete(&t.db, &command_line(), &austin).await;
        assert!(in_use.is_ok(), "Austin has no range: {in_use:?}");
        let blocked = locations::delete(&t.db, &command_line(), &dallas).await.unwrap_err();
        assert!(format!("{}", app::error::AppError::from(blocked)).contains("range"), "Dallas has a range");
        for id in [&sales, &block] {
            let gone = s.send(reqwest::Method::DELETE, &full, &format!("{RANGES}/{id}"), json!({})).send().await.unwrap();
            assert_eq!(gone.status(), StatusCode::NO_CONTENT);
        }
        let again = s.send(reqwest::Method::DELETE, &full, &at, json!({})).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_FOUND);
        let listed = json_of(s.get(&reader, RANGES).send().await.unwrap()).await;
        assert_eq!(listed, json!({"virtualExtensionRanges": []}));
        assert!(audited_as(t, "API token Ranges").await >= 7, "creates, changes and deletes are audited");
    }

    async fn test_call_routing_answers_in_the_cloud_products_shape(t: &TestDb) {
        const ROUTE: &str = "/v1/telephony/config/actions/testCallRouting/invoke";
        let s = serve(t).await;
        let full = token(t, "Router", "full", &[]).await;
        let dallas = location(t, "Dallas", "8214").await;
        let austin = location(t, "Austin", "8512").await;
        let create = |body: Value| s.send(reqwest::Method::POST, &full, ENTRIES, body).send();
        assert_eq!(create(json!({"displayName": "Ann Lee", "firstName": "Ann", "lastName": "Lee", "phoneNumber": "+12015550123", "extension": "4001", "locationId": dallas})).await.unwrap().status(), StatusCode::CREATED);
        assert_eq!(create(json!({"displayName": "Front Desk", "phoneNumber": "+12015550124", "extension": "2000"})).await.unwrap().status(), StatusCode::CREATED);
        let range = s.send(reqwest::Method::POST, &full, "/v1/telephony/config/virtualExtensionRanges", json!({"name": "Sales", "prefix": "+1214555", "patterns": ["12XX"]})).send().await.unwrap();
        assert_eq!(range.status(), StatusCode::CREATED);
        let range = json_of(range).await["id"].as_str().unwrap().to_string();
        let ask = |from: &str, dialed: &str| {
            s.send(reqwest::Method::POST, &full, ROUTE, json!({"originatorId": from, "originatorType": "USER", "destination": dialed})).send()
        };
        let at_home = json_of(ask(&dallas, "4001").await.unwrap()).await;
        assert_eq!(at_home["destinationType"], "VIRTUAL_EXTENSION");
        assert_eq!(at_home["routingAddress"], "+12015550123");
        assert_eq!(at_home["isRejected"], false);
        let entry = &at_home["virtualExtension"];
        assert_eq!(entry["firstName"], "Ann");
        assert_eq!(entry["locationName"], "Dallas");
        assert_eq!(entry["locationId"], dallas.as_str());
        assert_eq!(entry["extension"], "4001");
        // The ESN from elsewhere; the extension alone from elsewhere reaches nothing.
        let esn = json_of(ask(&austin, "82144001").await.unwrap()).await;
        assert_eq!(esn["routingAddress"], "+12015550123");
        let away = json_of(ask(&austin, "4001").await.unwrap()).await;
        assert_eq!((away["destinationType"].as_str(), away["isRejected"].as_bool()), (Some("UNKNOWN_EXTENSION"), Some(true)));
        assert_eq!(away["routingAddress"], "");
        // Organization level: every string key present, location strings empty.
        let desk = json_of(ask(&austin, "2000").await.unwrap()).await;
        assert_eq!(desk["virtualExtension"], json!({
            "id": desk["virtualExtension"]["id"], "firstName": "", "lastName": "", "displayName": "Front Desk",
            "locationName": "", "locationId": "", "phoneNumber": "+12015550124", "extension": "2000",
        }));
        let ranged = json_of(ask(&austin, "1234").await.unwrap()).await;
        assert_eq!(ranged["destinationType"], "VIRTUAL_EXTENSION_RANGE");
        assert_eq!(ranged["routingAddress"], "+12145551234");
        assert_eq!(ranged["virtualExtensionRange"], json!({"id": range, "name": "Sales", "prefix": "+1214555", "pattern": "12XX", "locationName": "", "locationId": ""}));
        let pstn = json_of(ask(&austin, "+442079460018").await.unwrap()).await;
        assert_eq!((pstn["destinationType"].as_str(), pstn["routingAddress"].as_str()), (Some("PSTN_NUMBER"), Some("+442079460018")));
        // A change is seen by the next question (the snapshot follows the directory).
        let changed = s.send(reqwest::Method::PUT, &full, &format!("/v1/telephony/config/locations/{austin}"), json!({"outsideDialDigit": "9"})).send().await.unwrap();
        assert_eq!(changed.status(), StatusCode::NO_CONTENT);
        let outside = json_of(ask(&austin, "912145550199").await.unwrap()).await;
        assert_eq!(outside["routingAddress"], "+12145550199");
        for kind in ["PEOPLE", "TRUNK"] {
            let answer = s.send(reqwest::Method::POST, &full, ROUTE, json!({"originatorId": dallas, "originatorType": kind, "destination": "4001"})).send().await.unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "{kind}");
        }
        // Refusals.
        let bad_kind = s.send(reqwest::Method::POST, &full, ROUTE, json!({"originatorId": dallas, "originatorType": "ROBOT", "destination": "4001"})).send().await.unwrap();
        assert_eq!(bad_kind.status(), StatusCode::BAD_REQUEST);
        let nowhere = ask("no-such-location", "4001").await.unwrap();
        assert_eq!(refusal(nowhere, StatusCode::BAD_REQUEST).await, [code(ErrorCode::LocationNotFound)]);
        let empty = ask(&dallas, " ").await.unwrap();
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
        let missing = s.send(reqwest::Method::POST, &full, ROUTE, json!({"originatorType": "USER"})).send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    }
}

on_both_databases! {
    async fn phone_systems_look_up_routes_caller_ids_and_directories(t: &TestDb) {
        let s = serve(t).await;
        let full = token(t, "Admin", "full", &[]).await;
        let phones = token(t, "Kamailio", "read-only", &[]).await;
        let dallas = location(t, "Dallas", "8214").await;
        location(t, "Austin", "8512").await;
        let dallas_only = token(t, "Dallas phones", "location", &[&dallas]).await;
        let create = |body: Value| s.send(reqwest::Method::POST, &full, ENTRIES, body).send();
        for body in [
            json!({"displayName": "Ann Lee", "firstName": "Ann", "lastName": "Lee", "phoneNumber": "+12015550123", "extension": "4001", "locationId": dallas}),
            json!({"displayName": "Front Desk", "phoneNumber": "+12015550124", "extension": "2000"}),
            json!({"displayName": "Tom & Jerry <Sales>", "phoneNumber": "+12015550126", "extension": "2001"}),
            json!({"displayName": "Zoë", "firstName": "Zoë", "lastName": "Ødegaard", "phoneNumber": "+12015550125", "extension": "4002"}),
        ] {
            assert_eq!(create(body).await.unwrap().status(), StatusCode::CREATED);
        }
        let range = s.send(reqwest::Method::POST, &full, "/v1/telephony/config/virtualExtensionRanges", json!({"name": "Sales", "prefix": "+1214555", "patterns": ["12XX"]})).send().await.unwrap();
        assert_eq!(range.status(), StatusCode::CREATED);
        let get = |token: &str, path: &str| s.get(token, path).send();
        let text = |response: reqwest::Response| async move {
            let status = response.status();
            let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
            (status, kind, response.text().await.unwrap())
        };
        let plain = Some("text/plain; charset=utf-8".to_string());

        // Route: the number to call, as one line; the location by id or by name in any case.
        let route = |location: &str, dialed: &str| format!("/v1/vext/route?location={location}&dialed={dialed}&format=text");
        assert_eq!(text(get(&phones, &route(&dallas, "4001")).await.unwrap()).await, (StatusCode::OK, plain.clone(), "+12015550123\n".into()));
        assert_eq!(text(get(&phones, &route("dallas", "4001")).await.unwrap()).await.2, "+12015550123\n");
        assert_eq!(text(get(&phones, &route("Austin", "82144001")).await.unwrap()).await.2, "+12015550123\n", "the ESN from elsewhere");
        assert_eq!(text(get(&phones, &route("Austin", "2000")).await.unwrap()).await.2, "+12015550124\n", "organization level");
        assert_eq!(text(get(&phones, &route("Austin", "1234")).await.unwrap()).await.2, "+12145551234\n", "a range number");
        // Nothing matches: 404 and no body, whatever the format.
        for dialed in ["4001", "4999", "abc"] {
            for format in ["text", "json"] {
                let path = format!("/v1/vext/route?location=Austin&dialed={dialed}&format={format}");
                let (status, _, body) = text(get(&phones, &path).await.unwrap()).await;
                assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, ""), "{path}");
            }
        }
        // JSON by default; plain text when Accept asks for it.
        let routed = json_of(get(&phones, "/v1/vext/route?location=Dallas&dialed=4001").await.unwrap()).await;
        assert_eq!(routed["number"], "+12015550123");
        assert_eq!(routed["destinationType"], "VIRTUAL_EXTENSION");
        assert_eq!(routed["virtualExtension"]["displayName"], "Ann Lee");
        assert_eq!(routed["virtualExtension"]["locationName"], "Dallas");
        let ranged = json_of(get(&phones, "/v1/vext/route?location=Dallas&dialed=1299").await.unwrap()).await;
        assert_eq!((ranged["destinationType"].as_str(), ranged["virtualExtensionRange"]["name"].as_str()), (Some("VIRTUAL_EXTENSION_RANGE"), Some("Sales")));
        let accepted = s.get(&phones, "/v1/vext/route?location=Dallas&dialed=4001").header("accept", "text/plain, application/json;q=0.5").send().await.unwrap();
        assert_eq!(text(accepted).await, (StatusCode::OK, plain.clone(), "+12015550123\n".into()));

        // Caller ID: the name, then the extension or ESN as the callee's location dials it.
        let caller = |number: &str, location: &str| format!("/v1/vext/callerId?number={number}&location={location}&format=text");
        assert_eq!(text(get(&phones, &caller("%2B12015550123", "Dallas")).await.unwrap()).await, (StatusCode::OK, plain.clone(), "Ann Lee\n4001\n".into()));
        assert_eq!(text(get(&phones, &caller("%2B12015550123", "Austin")).await.unwrap()).await.2, "Ann Lee\n82144001\n");
        assert_eq!(text(get(&phones, &caller("2015550123", "Austin")).await.unwrap()).await.2, "Ann Lee\n82144001\n", "a national number");
        assert_eq!(text(get(&phones, &caller("12015550124", "Austin")).await.unwrap()).await.2, "Front Desk\n2000\n", "E.164 without its +");
        let unknown = text(get(&phones, &caller("%2B12015559999", "Austin")).await.unwrap()).await;
        assert_eq!((unknown.0, unknown.2.as_str()), (StatusCode::NOT_FOUND, ""));
        let shown = json_of(get(&phones, "/v1/vext/callerId?number=%2B12015550123&location=Austin").await.unwrap()).await;
        assert_eq!((shown["name"].as_str(), shown["number"].as_str(), shown["shownAs"].as_str()), (Some("Ann Lee"), Some("82144001"), Some("ESN")));

        // Basic authentication, the token as password (any user name): what phones put in a URL.
        let basic = s.http.get(s.url(&route("Dallas", "4001"))).basic_auth("kamailio", Some(&phones)).send().await.unwrap();
        assert_eq!(text(basic).await.2, "+12015550123\n");
        for refused in [
            s.http.get(s.url(&route("Dallas", "4001"))).basic_auth("kamailio", Some("not-a-token")),
            s.http.get(s.url(&route("Dallas", "4001"))),
        ] {
            let response = refused.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"vext\", charset=\"UTF-8\"");
        }
        // Basic is for the look-ups only: the rest of the API takes Bearer.
        let elsewhere = s.http.get(s.url(ENTRIES)).basic_auth("x", Some(&full)).send().await.unwrap();
        assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
        assert!(elsewhere.headers().get("www-authenticate").is_none());

        // A location token looks up its own locations only; unknown locations are named.
        assert_eq!(get(&dallas_only, &route("Dallas", "4001")).await.unwrap().status(), StatusCode::OK);
        assert_eq!(refusal(get(&dallas_only, &route("Austin", "4001")).await.unwrap(), StatusCode::BAD_REQUEST).await, [code(ErrorCode::OutsideYourLocations)]);
        assert_eq!(refusal(get(&dallas_only, "/v1/vext/route?dialed=4001").await.unwrap(), StatusCode::BAD_REQUEST).await, [code(ErrorCode::OutsideYourLocations)]);
        assert_eq!(refusal(get(&phones, &route("Houston", "4001")).await.unwrap(), StatusCode::BAD_REQUEST).await, [code(ErrorCode::LocationNotFound)]);
        assert_eq!(get(&phones, "/v1/vext/route?location=Dallas").await.unwrap().status(), StatusCode::BAD_REQUEST);
        assert_eq!(get(&phones, "/v1/vext/route?location=Dallas&dialed=4001&format=xml").await.unwrap().status(), StatusCode::BAD_REQUEST);

        // The directory as Austin's phones dial it, sorted by display name.
        let book = json_of(get(&phones, "/v1/vext/directory?location=Austin").await.unwrap()).await;
        let listed: Vec<(String, String, String)> = book["items"].as_array().unwrap().iter().map(|i| (
            i["displayName"].as_str().unwrap().to_string(), i["number"].as_str().unwrap().to_string(), i["dialedAs"].as_str().unwrap().to_string(),
        )).collect();
        let expected = [("Ann Lee", "82144001", "ESN"), ("Front Desk", "2000", "EXTENSION"), ("Tom & Jerry <Sales>", "2001", "EXTENSION"), ("Zoë", "4002", "EXTENSION")];
        assert_eq!(listed, expected.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())));
        assert_eq!((book["location"].as_str(), book["total"].as_u64(), book["pages"].as_u64()), (Some("Austin"), Some(4), Some(1)));
        let searched = json_of(get(&phones, "/v1/vext/directory?location=Austin&name=ODE").await.unwrap()).await;
        assert_eq!(searched["items"].as_array().unwrap().iter().map(|i| i["displayName"].as_str().unwrap()).collect::<Vec<_>>(), ["Zoë"], "a last name's start, accents ignored");
        let yealink = text(get(&phones, "/v1/vext/directory?location=Austin&format=yealink").await.unwrap()).await;
        assert_eq!(yealink.1.as_deref(), Some("text/xml; charset=utf-8"));
        assert!(yealink.2.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<YealinkIPPhoneDirectory>\n"), "{}", yealink.2);
        assert!(yealink.2.contains("<DirectoryEntry><Name>Ann Lee</Name><Telephone>82144001</Telephone></DirectoryEntry>"), "{}", yealink.2);
        assert!(yealink.2.contains("<Name>Tom &amp; Jerry &lt;Sales&gt;</Name>"), "{}", yealink.2);
        assert!(yealink.2.contains("<Name>Zoë</Name>"), "UTF-8 as it is: {}", yealink.2);

        // Cisco: 32 entries a page, a prompt, and soft keys to page on.
        for i in 0..40 {
            let body = json!({"displayName": format!("Person {i:02}"), "phoneNumber": format!("+1201555{:04}", 1000 + i), "extension": format!("{}", 5000 + i)});
            assert_eq!(create(body).await.unwrap().status(), StatusCode::CREATED, "a change is seen by the next look-up");
        }
        let first = text(get(&phones, "/v1/vext/directory?location=Dallas&format=cisco").await.unwrap()).await.2;
        assert_eq!(first.matches("<DirectoryEntry>").count(), 32, "{first}");
        assert!(first.contains("<Title>Directory: Dallas</Title>"), "{first}");
        assert!(first.contains("<Prompt>Page 1 of 2 (44)</Prompt>"), "{first}");
        assert!(first.contains("<Name>Ann Lee</Name><Telephone>4001</Telephone>"), "{first}");
        let next = format!("{}/v1/vext/directory?location=Dallas&amp;format=cisco&amp;page=2", s.base);
        assert!(first.contains(&format!("<SoftKeyItem><Name>Next</Name><URL>{next}</URL>")), "{first}");
        assert!(first.contains("<URL>SoftKey:Dial</URL>") && !first.contains("Previous"), "{first}");
        let second = text(get(&phones, "/v1/vext/directory?location=Dallas&format=cisco&page=2").await.unwrap()).await.2;
        assert_eq!(second.matches("<DirectoryEntry>").count(), 12, "{second}");
        assert!(second.contains("<Name>Previous</Name>") && !second.contains("<Name>Next</Name>"), "{second}");
        let form = text(get(&phones, "/v1/vext/directory?location=Dallas&format=cisco-search").await.unwrap()).await.2;
        assert!(form.contains("<CiscoIPPhoneInput>") && form.contains("<QueryStringParam>name</QueryStringParam>"), "{form}");
        let found = text(get(&phones, "/v1/vext/directory?location=Dallas&format=cisco&name=person%200").await.unwrap()).await.2;
        assert_eq!(found.matches("<DirectoryEntry>").count(), 10, "{found}");
        assert_eq!(refusal(get(&dallas_only, "/v1/vext/directory?location=Austin&format=cisco").await.unwrap(), StatusCode::BAD_REQUEST).await, [code(ErrorCode::OutsideYourLocations)]);
        assert_eq!(get(&phones, "/v1/vext/directory?format=vcard").await.unwrap().status(), StatusCode::BAD_REQUEST);

        // Quotes and a backslash are a name's own: JSON keeps them, plain text is SIP-safe.
        let quoted = json!({"displayName": "Ann \"AJ\" O'Lee \\ Sales", "phoneNumber": "+12015550199", "extension": "2999"});
        assert_eq!(create(quoted).await.unwrap().status(), StatusCode::CREATED);
        assert_eq!(text(get(&phones, &caller("%2B12015550199", "Dallas")).await.unwrap()).await.2, "Ann 'AJ' O'Lee Sales\n2999\n");
        let shown = json_of(get(&phones, "/v1/vext/callerId?number=%2B12015550199&location=Dallas").await.unwrap()).await;
        assert_eq!(shown["name"], "Ann \"AJ\" O'Lee \\ Sales");
    }
}
