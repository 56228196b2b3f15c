//! Create Virtual Extension > Bulk Add in CSV: the template, what each column means, the upload
//! with Validate (a dry run) and Submit (a task; the Tasks list opens).
//!
//! Before the WASM loads the form still submits (a plain multipart post; the server redirects
//! to the Tasks list, or back here with the reason).

use crate::components::panel::SidePanel;
use crate::model::csv::{Column, TEMPLATE_FILE_NAME};
use crate::model::task::{routes, TaskRowError, ValidationReport};
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// What an import would do, or did: "120 rows: 100 to add, …".
fn report_sentence(r: &ValidationReport) -> String {
    let rows = if r.rows == 1 { "1 row".to_string() } else { format!("{} rows", r.rows) };
    format!(
        "{rows}: {} to add, {} to update, {} to delete, {} unchanged, {} in error.",
        r.add, r.update, r.delete, r.unchanged, r.failed
    )
}

/// Row problems as a table (Validate's answer and a task's page).
#[component]
pub fn ProblemTable(problems: Vec<TaskRowError>, caption: &'static str) -> impl IntoView {
    let rows = problems
        .into_iter()
        .map(|p| {
            let kind = if p.is_error { "Error" } else { "Warning" };
            view! {
                <tr class=if p.is_error { "problem" } else { "problem warning" }>
                    <td class="mono">{p.row}</td>
                    <td>{p.column}</td>
                    <td>{kind}</td>
                    <td class="mono">{p.code}</td>
                    <td>{p.message}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table problems">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Row"</th>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Code"</th>
                        <th scope="col">"Message"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn ValidationView(report: ValidationReport) -> impl IntoView {
    let more = report.total_problems.saturating_sub(report.problems.len() as u64);
    let counts = [
        ("To add", report.add),
        ("To update", report.update),
        ("To delete", report.delete),
        ("Unchanged", report.unchanged),
        ("Rows in error", report.failed),
        ("Warnings", report.warnings),
    ];
    let verdict = if report.failed == 0 {
        "Every row is valid: Submit applies them all.".to_string()
    } else {
        "Rows in error are skipped on Submit (or the whole file, with “Reject the whole file if any row has an error” ticked above). Fix them in the spreadsheet, or submit the valid rows now.".to_string()
    };
    view! {
        <section class="validation" id="validation" tabindex="-1" aria-labelledby="validation-title">
            <h3 id="validation-title">"Validation"</h3>
            <p role="status" id="validation-summary">{report_sentence(&report)}</p>
            <p>{verdict}</p>
            <dl class="details counts">
                {counts
                    .into_iter()
                    .map(|(label, n)| view! {
                        <dt>{label}</dt>
                        <dd>{n}</dd>
                    })
                    .collect_view()}
            </dl>
            {(!report.problems.is_empty()).then(|| view! {
                <ProblemTable problems=report.problems.clone() caption="Problems found by Validate" />
            })}
            {(more > 0).then(|| view! {
                <p class="field-hint">{format!("…and {more} more. Submit keeps every problem on the task's page, with Download errors (CSV).")}</p>
            })}
        </section>
    }
}

/// What each column of the template means (from the model, like the reader that applies it).
#[component]
fn ColumnHelp() -> impl IntoView {
    let columns = Column::ALL
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <th scope="row">{c.header()}</th>
                    <td>{c.requirement()}</td>
                    <td>{c.describe()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
    <details class="columns-help" open>
        <summary>"The template's columns"</summary>
        <table class="data-table">
            <caption class="visually-hidden">"Columns of the CSV template"</caption>
            <thead>
                <tr>
                    <th scope="col">"Column"</th>
                    <th scope="col">"Required"</th>
                    <th scope="col">"What to enter"</th>
                </tr>
            </thead>
            <tbody>{columns}</tbody>
        </table>
    </details>
    }
    .into_any()
}

#[component]
pub fn BulkAddPanel() -> impl IntoView {
    let query = use_query_map();
    let form = NodeRef::<leptos::html::Form>::new();
    let report = RwSignal::new(None::<ValidationReport>);
    // The reason a plain (pre-WASM) submit was refused comes back in the URL.
    let error = RwSignal::new(query.with_untracked(|q| q.get("error")));
    let busy = RwSignal::new(None::<&'static str>);
    // A read-only administrator who opens this address gets no file picker that would only
    // refuse at Validate (the server refuses them anyway).
    let me = crate::components::layout::use_me();
    let read_only = RwSignal::new(false);
    let navigate = use_navigate();
    let send = move |validate: bool| {
        let Some(form) = form.get_untracked() else { return };
        if !form.report_validity() {
            return;
        }
        error.set(None);
        report.set(None);
        busy.set(Some(if validate { "Validating…" } else { "Submitting…" }));
        #[cfg(feature = "hydrate")]
        {
            use crate::components::upload::{post_form, upload_error};
            use crate::model::task::Submitted;
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let url = if validate { routes::VALIDATE } else { routes::SUBMIT };
                let answer = post_form(url, &form).await;
                // The admin may have closed the panel meanwhile: nothing left to update.
                if busy.try_set(None).is_some() {
                    return;
                }
                let unreadable =
                    || "The server's answer could not be read: reload the page and try again.".to_string();
                match answer {
                    Ok((status, body)) if (200..300).contains(&status) => {
                        if validate {
                            match serde_json::from_str::<ValidationReport>(&body) {
                                Ok(r) => {
                                    report.set(Some(r));
                                    // The results are below the fold: take the admin there.
                                    request_animation_frame(|| {
                                        use leptos::wasm_bindgen::JsCast;
                                        if let Some(section) = document()
                                            .get_element_by_id("validation")
                                            .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
                                        {
                                            section.scroll_into_view();
                                            let _ = section.focus();
                                        }
                                    });
                                }
                                Err(_) => error.set(Some(unreadable())),
                            }
                        } else {
                            match serde_json::from_str::<Submitted>(&body) {
                                Ok(s) => {
                                    let duplicate = if s.duplicate { "&duplicate=1" } else { "" };
                                    navigate(
                                        &format!("{}?submitted={}{duplicate}", paths::TASKS, s.task_id),
                                        Default::default(),
                                    );
                                }
                                Err(_) => error.set(Some(unreadable())),
                            }
                        }
                    }
                    Ok((status, body)) => error.set(Some(upload_error(status, &body))),
                    Err(message) => error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (validate, &navigate);
    };
    let validate = send.clone();

    view! {
        <Title text="Bulk Add in CSV" />
        <SidePanel title_id="bulk-title" close_href=paths::VIRTUAL_EXTENSIONS>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Create Virtual Extension"</p>
                    <h2 id="bulk-title">"Bulk Add in CSV"</h2>
                </div>
                <A href=paths::VIRTUAL_EXTENSIONS attr:class="icon-button" attr:aria-label="Close">
                    "×"
                </A>
            </div>
            <div class="bulk">
                <p>
                    "Add, update or delete many virtual extensions from a spreadsheet. Start from the template, fill in one row per virtual extension, save it as CSV UTF-8, then Validate to see what it would do and Submit it. Your Tasks list opens and shows the import's status and any errors. Location administrators import rows of their own locations. "
                    <A href=paths::CREATE_VIRTUAL_EXTENSION>"Manually add one instead"</A>
                    "."
                </p>
                <p>
                    <a class="button" href=paths::TEMPLATE_CSV download=TEMPLATE_FILE_NAME rel="external">
                        "Download template"
                    </a>
                    " "
                    <span class="field-hint">{TEMPLATE_FILE_NAME}</span>
                </p>
                <ColumnHelp />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let refused = me.await.is_some_and(|me| !me.may_change_any());
                        read_only.set(refused);
                        refused.then(|| view! {
                            <p class="banner error" role="alert">
                                "As a read-only administrator, you can look but not import. A full or location administrator can submit the file."
                            </p>
                        })
                    })}
                </Transition>
                <form
                    class="panel-form"
                    hidden=move || read_only.get()
                    node_ref=form
                    method="post"
                    action=routes::SUBMIT
                    enctype="multipart/form-data"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        send(false);
                    }
                >
                    <div class="field">
                        <label for="csv-file">"CSV file"</label>
                        <input
                            id="csv-file"
                            name="file"
                            type="file"
                            accept=".csv,text/csv"
                            required
                            aria-describedby="csv-file-hint"
                            on:change=move |_| {
                                report.set(None);
                                error.set(None);
                            }
                        />
                        <p class="field-hint" id="csv-file-hint">
                            "UTF-8 CSV with the template's header row. The server's limits apply (by default 100,000 rows and 10 MiB)."
                        </p>
                    </div>
                    <div class="field checkbox-field">
                        <label>
                            <input type="checkbox" name="all_or_nothing" value="on" />
                            " Reject the whole file if any row has an error"
                        </label>
                    </div>
                    {move || error.get().map(|message| view! {
                        <p class="banner error" role="alert" id="upload-error">{message}</p>
                    })}
                    {move || busy.get().map(|what| view! { <p class="loading" role="status">{what}</p> })}
                    {move || report.get().map(|report| view! { <ValidationView report /> })}
                    <div class="panel-actions">
                        <button
                            type="button"
                            class="button"
                            disabled=move || busy.get().is_some()
                            on:click=move |_| validate(true)
                        >
                            "Validate"
                        </button>
                        <button type="submit" class="button primary" disabled=move || busy.get().is_some()>
                            "Submit"
                        </button>
                        <A href=paths::VIRTUAL_EXTENSIONS attr:class="button subtle">
                            "Cancel"
                        </A>
                    </div>
                </form>
            </div>
        </SidePanel>
    }
}
