//! Management > Audit Log: every change, newest first, filtered by who, what, target and day,
//! with the filters in the URL (so the back button and a shared link restore them) and a CSV
//! export of what the filters select.

use super::admins::short_time;
use crate::api::audit::{list_audit, list_audit_actors};
use crate::components::layout::ManagementBreadcrumb;
use crate::components::table::{PastTheLastPage, TableCard};
use crate::model::audit::{AuditAction, AuditChange, AuditEntry, AuditQuery, TargetKind};
use crate::model::PageIndex;
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The filters as the URL has them.
fn query_from_url() -> Memo<AuditQuery> {
    let map = use_query_map();
    Memo::new(move |_| map.with(|q| AuditQuery::from_params(|name| q.get(name))))
}

fn what_label(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::VirtualExtension => "All virtual extension changes",
        TargetKind::Location => "All location changes",
        TargetKind::Settings => "All settings changes",
        TargetKind::Administrator => "All administrator changes",
        TargetKind::Import => "All CSV imports",
        TargetKind::ApiToken => "All API token changes",
        TargetKind::VirtualExtensionRange => "All virtual extension range changes",
    }
}

/// "Display Name: Ann → Ann Lee" lines.
#[component]
pub fn ChangeList(changes: Vec<AuditChange>) -> impl IntoView {
    let items = changes
        .into_iter()
        .map(|c| {
            let before = c.before.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_string());
            let after = c.after.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_string());
            view! {
                <li>
                    <span class="change-field">{c.field}": "</span>
                    <span class="change-before">{before}</span>
                    " → "
                    <span class="change-after">{after}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="changes">{items}</ul> }
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = query_from_url();
    let page = Resource::new(move || query.get(), list_audit);
    let actors = Resource::new(|| (), |_| list_audit_actors());
    view! {
        <Title text="Audit Log" />
        <ManagementBreadcrumb current="Audit Log" />
        <div class="page-header">
            <div>
                <h1>"Audit Log"</h1>
                <p class="page-lede">
                    "Every change to virtual extensions, locations, settings and administrators: who made it, when, from where, and the values before and after."
                </p>
            </div>
            <div class="page-actions">
                // A download (the server says "attachment"), not a page: keep the router out.
                <a
                    class="button"
                    rel="external"
                    href=move || {
                        let q = AuditQuery { page: PageIndex::FIRST, ..query.get() }.to_query_string();
                        if q.is_empty() { paths::AUDIT_LOG_CSV.to_string() } else { format!("{}?{q}", paths::AUDIT_LOG_CSV) }
                    }
                >
                    "Export CSV"
                </a>
            </div>
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let q = query.get();
                let actors = actors.await.unwrap_or_default();
                view! { <AuditFilters q actors /> }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let q = query.get_untracked();
                        view! { <AuditTable page=page.items total=page.total page_no=page.page per_page=page.per_page q /> }.into_any()
                    }
                    Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditFilters(q: AuditQuery, actors: Vec<(String, String)>) -> impl IntoView {
    let actor_options = actors
        .into_iter()
        .map(|(id, name)| {
            let selected = id == q.actor;
            view! { <option value=id selected=selected>{name}</option> }
        })
        .collect_view();
    let what = q.what.clone();
    let what_options = TargetKind::ALL
        .into_iter()
        .map(|kind| {
            let actions = AuditAction::ALL
                .into_iter()
                .filter(|a| a.target() == kind)
                .map(|a| view! { <option value=a.as_str() selected=what == a.as_str()>{a.label()}</option> })
                .collect_view();
            view! {
                <option value=kind.as_str() selected=what == kind.as_str()>{what_label(kind)}</option>
                {actions}
            }
        })
        .collect_view();
    view! {
        <Form method="GET" action=paths::AUDIT_LOG attr:class="filters card">
            <div class="field">
                <label for="audit-who">"Who"</label>
                <select id="audit-who" name="actor">
                    <option value="">"Anyone"</option>
                    {actor_options}
                </select>
            </div>
            <div class="field">
                <label for="audit-what">"What"</label>
                <select id="audit-what" name="what">
                    <option value="">"Any change"</option>
                    {what_options}
                </select>
            </div>
            <div class="field">
                <label for="audit-target">"Target"</label>
                <input id="audit-target" name="target" type="search" value=q.target.clone() placeholder="Name, extension or id" />
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" name="from" type="date" value=q.from.clone() />
            </div>
            <div class="field">
                <label for="audit-to">"To"</label>
                <input id="audit-to" name="to" type="date" value=q.to.clone() />
            </div>
            <div class="filter-actions">
                <button type="submit" class="button primary">"Apply filters"</button>
                <A href=paths::AUDIT_LOG attr:class="button">"Clear"</A>
            </div>
        </Form>
    }
}

fn target_cell(entry: &AuditEntry) -> AnyView {
    let kind = entry.action.target();
    let label = entry.target_label.clone();
    // Deleted entries have no details page left to open.
    if kind == TargetKind::VirtualExtension && entry.action != AuditAction::VirtualExtensionDeleted {
        view! { <A href=paths::virtual_extension(&entry.target_id)>{label}</A> }.into_any()
    } else {
        label.into_any()
    }
}

#[component]
fn AuditTable(
    page: Vec<AuditEntry>,
    total: u64,
    page_no: PageIndex,
    per_page: u32,
    q: AuditQuery,
) -> impl IntoView {
    if total == 0 {
        return view! {
            <div class="empty-state">
                <h2>"No changes match"</h2>
                <p>"Nothing was recorded for these filters. Clear them to see every change."</p>
            </div>
        }
        .into_any();
    }
    let link = move |page: PageIndex| {
        let q = AuditQuery { page, ..q.clone() }.to_query_string();
        if q.is_empty() {
            paths::AUDIT_LOG.to_string()
        } else {
            format!("{}?{q}", paths::AUDIT_LOG)
        }
    };
    if page.is_empty() {
        let pages = total.div_ceil(u64::from(per_page.max(1))).max(1);
        return view! {
            <PastTheLastPage asked=page_no.number() pages last_href=link(PageIndex::new(pages - 1)) />
        }
        .into_any();
    }
    let first = page_no.offset(u64::from(per_page)) + 1;
    let last = (first + page.len() as u64).saturating_sub(1);
    let count = format!("Changes {first}–{last} of {total}");
    let has_next = page_no.next() > page_no && page_no.next().offset(u64::from(per_page)) < total;
    let rows = page
        .into_iter()
        .map(|entry| {
            let target = target_cell(&entry);
            view! {
                <tr>
                    <td class="mono time">{short_time(&entry.at)}</td>
                    <td>{entry.actor.clone()}</td>
                    <td class="mono">{entry.source.clone()}</td>
                    <td class="wrap narrow">{entry.action.label()}</td>
                    <td class="wrap narrow">{target}</td>
                    <td class="wrap"><ChangeList changes=entry.changes /></td>
                </tr>
            }
        })
        .collect_view();
    let pager = view! {
        <nav class="pager" aria-label="Pages">
            {page_no.previous().map(|previous| view! { <A href=link(previous)>"Previous"</A> })}
            {has_next.then(|| view! { <A href=link(page_no.next())>"Next"</A> })}
        </nav>
    };
    view! {
        <TableCard
            caption="Audit log"
            count_id="audit-count"
            count
            headers=&["Time", "Administrator", "Source", "Action", "Target", "Changes"]
            toolbar=pager.into_any()
        >
            {rows}
        </TableCard>
    }
    .into_any()
}
