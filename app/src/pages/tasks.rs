//! The Tasks list (each CSV import: who, when, status, progress, counts) and a task's page (its
//! row problems and Download errors (CSV)). Both refresh themselves while a task still runs.

use crate::api::tasks::{get_task, list_tasks};
use crate::components::layout::{use_me, Breadcrumb, IfAllowed};
use crate::components::table::{group_thousands, PastTheLastPage, TableCard};
use crate::model::admin::{Actor, Role};
use crate::model::task::{routes, TaskStatus, TaskSummary, TASK_ERRORS_PAGE};
use crate::model::PageIndex;
use crate::pages::admins::short_time;
use crate::pages::virtual_extensions::bulk::ProblemTable;
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// How often a page with a running task asks again.
const REFRESH_MS: u64 = 1_000;

/// Bumps the returned counter every second while `running` is true (in the browser only).
fn refresher(running: RwSignal<bool>) -> RwSignal<u32> {
    let tick = RwSignal::new(0u32);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                if running.get_untracked() {
                    tick.update(|t| *t = t.wrapping_add(1));
                }
            },
            std::time::Duration::from_millis(REFRESH_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}

#[component]
fn StatusBadge(status: TaskStatus) -> impl IntoView {
    view! { <span class=format!("status {}", status.as_str())>{status.label()}</span> }
}

/// The bar and "45,000 of 100,000 rows".
#[component]
fn TaskProgress(task: TaskSummary) -> impl IntoView {
    let done =
        if task.status.is_active() { task.processed_rows.min(task.total_rows) } else { task.total_rows };
    let phase = match task.status {
        TaskStatus::Queued => "Waiting",
        TaskStatus::Validating => "Checked",
        TaskStatus::Importing => "Applied",
        _ => "Processed",
    };
    let text = format!("{phase} {} of {} rows", group_thousands(done), group_thousands(task.total_rows));
    // The bar's colour follows the outcome, like the status badge: a failed import is not blue.
    view! {
        <div class=format!("task-progress {}", task.status.as_str())>
            <progress max=task.total_rows.max(1).to_string() value=done.to_string() aria-label=text.clone()></progress>
            <span>{text}</span>
        </div>
    }
}

/// "1 row error", "240 row errors (101–200 shown)": the count above a page of row errors.
fn problems_shown(total: u64, from: u64, shown: u64) -> String {
    let noun = if total == 1 { "row error" } else { "row errors" };
    if shown >= total {
        format!("{} {noun}", group_thousands(total))
    } else if shown == 0 {
        format!("{} {noun} (none on this page)", group_thousands(total))
    } else {
        format!(
            "{} {noun} ({}–{} shown)",
            group_thousands(total),
            group_thousands(from + 1),
            group_thousands(from + shown)
        )
    }
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let query = use_query_map();
    let running = RwSignal::new(false);
    let tick = refresher(running);
    let tasks = Resource::new(move || tick.get(), |_| list_tasks());
    let submitted = move || query.with(|q| (q.get("submitted"), q.get("duplicate").is_some()));
    let me = use_me();
    view! {
        <Title text="Tasks" />
        <Breadcrumb current="Tasks" links=&[("Virtual Extension", paths::VIRTUAL_EXTENSIONS)] />
        <div class="page-header">
            <div>
                <h1>"Tasks"</h1>
                <p class="page-lede">
                    <Transition fallback=|| "CSV imports: each file's status while it runs, what it changed, and the rows it could not apply.">
                        {move || Suspend::new(async move {
                            // Location administrators see their own imports; the others, everyone's.
                            let whose = match me.await.map(|me| me.role) {
                                Some(Role::Location) => "Your CSV imports",
                                _ => "Every administrator's CSV imports",
                            };
                            format!("{whose}: each file's status while it runs, what it changed, and the rows it could not apply.")
                        })}
                    </Transition>
                </p>
            </div>
            <div class="page-actions">
                <A href=paths::VIRTUAL_EXTENSIONS attr:class="button">"Back to Virtual Extension"</A>
                <IfAllowed allowed=Actor::may_change_any>
                    <A href=paths::BULK_ADD attr:class="button primary">"Bulk Add in CSV"</A>
                </IfAllowed>
            </div>
        </div>
        {move || match submitted() {
            (Some(_), true) => Some(view! {
                <p class="banner info" role="status">
                    "This file is already being imported (its task is below): no second import was started."
                </p>
            }),
            (Some(_), false) => Some(view! {
                <p class="banner success" role="status">
                    "Your file was submitted. Its task is below; it updates as the import runs."
                </p>
            }),
            _ => None,
        }}
        <Transition fallback=|| view! { <p class="loading">"Loading tasks…"</p> }>
            {move || Suspend::new(async move {
                match tasks.await {
                    Ok(tasks) => {
                        running.set(tasks.iter().any(|t| t.status.is_active()));
                        let count = match tasks.len() {
                            1 => "1 task".to_string(),
                            n => format!("{n} tasks"),
                        };
                        let empty = tasks.is_empty();
                        let rows = tasks
                            .into_iter()
                            .map(|task| {
                                let href = paths::task(&task.id);
                                let file_name = task.file_name.clone();
                                view! {
                                    <tr>
                                        <td><A href=href attr:class="row-link">{file_name}</A></td>
                                        <td>{task.submitted_by.clone()}</td>
                                        <td class="mono time">{short_time(&task.submitted_at)}</td>
                                        <td><StatusBadge status=task.status /></td>
                                        <td>
                                            <TaskProgress task=task.clone() />
                                        </td>
                                        <td>{group_thousands(task.added)}</td>
                                        <td>{group_thousands(task.updated)}</td>
                                        <td>{group_thousands(task.deleted)}</td>
                                        <td>{group_thousands(task.failed)}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <TableCard
                                caption="CSV import tasks"
                                count_id="task-count"
                                count
                                headers=&["File name", "Submitted by", "Submitted", "Status", "Progress", "Added", "Updated", "Deleted", "Failed"]
                            >
                                {rows}
                            </TableCard>
                            {empty.then(|| view! {
                                <p class="empty">"No imports yet. Bulk Add in CSV queues one here."</p>
                            })}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="banner error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn TaskPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let page = move || query.with(|q| PageIndex::parse(&q.get("page").unwrap_or_default()));
    let running = RwSignal::new(false);
    let tick = refresher(running);
    let detail = Resource::new(move || (id(), page(), tick.get()), |(id, page, _)| get_task(id, page));
    view! {
        <Title text="Task" />
        <Breadcrumb current="Task" links=&[("Virtual Extension", paths::VIRTUAL_EXTENSIONS), ("Tasks", paths::TASKS)] />
        <Transition fallback=|| view! { <p class="loading">"Loading the task…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => {
                        let task = detail.task.clone();
                        running.set(task.status.is_active());
                        let shown_from = detail.page.offset(TASK_ERRORS_PAGE);
                        let has_next = detail.page.next() > detail.page
                            && shown_from + (detail.problems.len() as u64) < detail.total_problems;
                        let page_no = detail.page;
                        let base = paths::task(&task.id);
                        let link = move |p: PageIndex| if p == PageIndex::FIRST { base.clone() } else { format!("{base}?page={p}") };
                        let counts = [
                            ("Rows", task.total_rows),
                            ("Added", task.added),
                            ("Updated", task.updated),
                            ("Deleted", task.deleted),
                            ("Unchanged", task.unchanged),
                            ("Failed", task.failed),
                            ("Warnings", task.warnings),
                        ];
                        view! {
                            <div class="page-header">
                                <div>
                                    <h1>{task.file_name.clone()}</h1>
                                    <p class="page-lede">
                                        {format!("Submitted by {} on {}.", task.submitted_by, short_time(&task.submitted_at))}
                                        {task.all_or_nothing.then_some(" The whole file is rejected if any row has an error.")}
                                    </p>
                                </div>
                                <div class="page-actions">
                                    <A href=paths::TASKS attr:class="button">"Back to Tasks"</A>
                                    {(task.failed > 0).then(|| view! {
                                        <a class="button primary" href=routes::errors_csv(&task.id) download rel="external">
                                            "Download errors (CSV)"
                                        </a>
                                    })}
                                </div>
                            </div>
                            <div class="card task-summary">
                                <dl class="details">
                                    <dt>"Status"</dt>
                                    <dd><StatusBadge status=task.status /></dd>
                                    <dt>"Progress"</dt>
                                    <dd><TaskProgress task=task.clone() /></dd>
                                    {task.finished_at.clone().map(|at| view! {
                                        <dt>"Finished"</dt>
                                        <dd class="mono">{short_time(&at)}</dd>
                                    })}
                                    {counts.into_iter().map(|(label, n)| view! {
                                        <dt>{label}</dt>
                                        <dd>{group_thousands(n)}</dd>
                                    }).collect_view()}
                                </dl>
                                {task.error.clone().map(|message| view! {
                                    <p class="banner error" role="alert">{message}</p>
                                })}
                            </div>
                            <h2 id="problems-title">"Row errors"</h2>
                            {if detail.total_problems == 0 {
                                let message = if task.status.is_active() { "Row errors appear here when the import has finished." } else { "No row had an error." };
                                view! { <p class="empty">{message}</p> }.into_any()
                            } else if detail.problems.is_empty() {
                                // `?page=99` of 3: say which pages there are instead.
                                let pages = detail.total_problems.div_ceil(TASK_ERRORS_PAGE);
                                view! {
                                    <PastTheLastPage
                                        asked=page_no.number()
                                        pages
                                        last_href=link(PageIndex::new(pages - 1))
                                    />
                                }.into_any()
                            } else {
                                view! {
                                    <p class="count" id="problem-count">
                                        {problems_shown(detail.total_problems, shown_from, detail.problems.len() as u64)}
                                    </p>
                                    <ProblemTable problems=detail.problems.clone() caption="Row errors of this import" />
                                    <nav class="pager" aria-label="Pages">
                                        {page_no.previous().map(|previous| view! { <A href=link(previous)>"Previous"</A> })}
                                        {has_next.then(|| view! { <A href=link(page_no.next())>"Next"</A> })}
                                    </nav>
                                }.into_any()
                            }}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="banner error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::problems_shown;

    #[test]
    fn the_row_error_count_reads_as_a_sentence() {
        assert_eq!(problems_shown(1, 0, 1), "1 row error");
        assert_eq!(problems_shown(3, 0, 3), "3 row errors");
        assert_eq!(problems_shown(240, 100, 100), "240 row errors (101–200 shown)");
        assert_eq!(problems_shown(1200, 1100, 100), "1,200 row errors (1,101–1,200 shown)");
        assert_eq!(problems_shown(5, 500, 0), "5 row errors (none on this page)");
    }
}
