//! The people of the commune (the administrator, `Action::ManageUsers`): the list with role,
//! state, last activity, devices and poles; a new user with a one-time password (typed, or
//! drawn by the server and shown here once); a password reset; deactivation (every device
//! revoked, the work kept) and reactivation; the role; and, opened under a row, the user's
//! poles and devices (each revocable).

use std::rc::Rc;

use tachkhis_shared::api::photos::{PhotoPurge, PhotoSettings};
use tachkhis_shared::api::{
    Device, NewUser, PasswordReset, Role, UserPassword, UserSummary, UserUpdate,
};
use yew::prelude::*;

use super::log::epoch_ms;
use super::{Acted, LoadNotice, select_value, use_get, use_office};
use crate::net::office;
use crate::use_model;
use crate::widgets::{input_value, show_time};

impl Acted for UserPassword {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for PhotoSettings {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for PhotoPurge {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for UserSummary {
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for Device {
    fn action(&self) -> Option<i64> {
        None
    }
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "office.people.role.admin",
        Role::Facilitator => "office.people.role.facilitator",
        Role::Office => "office.people.role.office",
        Role::Committee => "office.people.role.committee",
        Role::Bureau => "office.people.role.bureau",
        Role::Secretariat => "office.people.role.secretariat",
        Role::Ieecag => "office.people.role.ieecag",
    }
}

/// A one-time password to hand over, shown until dismissed: (username, password).
type Shown = Option<(String, String)>;

#[component]
pub fn PeoplePage() -> Html {
    let (_, lang) = use_model();
    let users = use_get::<Vec<UserSummary>>(Some("/api/admin/users".into()));
    let shown = use_state(|| None as Shown);
    let open = use_state(|| None::<i64>);
    let on_password = {
        let shown = shown.setter();
        Callback::from(move |answer: UserPassword| {
            if let Some(p) = answer.one_time_password {
                shown.set(Some((answer.user.username, p)));
            }
        })
    };
    let handover = (*shown).clone().map(|(username, password)| {
        let close = {
            let shown = shown.clone();
            Callback::from(move |_: MouseEvent| shown.set(None))
        };
        html! {
            <div class="notice info" role="status" data-test="one-time-password">
                <p>{ lang.tf("office.people.handover", &[("username", &username)]) }</p>
                <p><strong class="num" dir="ltr" data-test="one-time-value">{ password }</strong></p>
                <button type="button" class="btn secondary small" data-test="one-time-close" onclick={close}>
                    { lang.t("office.people.handover_done") }
                </button>
            </div>
        }
    });
    html! {
        <section class="office-page people-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.people") }</h1>
                if users.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            { for handover }
            <NewUserForm on_created={on_password.clone()} />
            <LoadNotice loading={users.loading} error={users.error.clone()} has_data={users.data.is_some()} />
            if let Some(list) = users.data.clone() {
                <PeopleTable {list} open={*open} on_open={open.setter().to_callback()} {on_password} />
            }
            <PhotoRetention />
            <BackupPanel />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct NewUserFormProps {
    on_created: Callback<UserPassword>,
}

/// Username, display name, role, and a password (blank: the server draws one).
#[component]
fn NewUserForm(props: &NewUserFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let username = use_state(String::new);
    let display = use_state(String::new);
    let role = use_state(|| Role::Facilitator);
    let password = use_state(String::new);
    let onsubmit = {
        let (username, display, role, password) = (
            username.clone(),
            display.clone(),
            role.clone(),
            password.clone(),
        );
        let (office, on_created) = (office.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if username.trim().is_empty() {
                return;
            }
            let body = NewUser {
                username: username.trim().to_string(),
                display_name: Some(display.trim().to_string()).filter(|d| !d.is_empty()),
                role: role.code().to_string(),
                password: Some((*password).clone()).filter(|p| !p.is_empty()),
                poles: Vec::new(),
            };
            let token = office.token.clone();
            let (username, display, password, on_created) = (
                username.clone(),
                display.clone(),
                password.clone(),
                on_created.clone(),
            );
            office.act(
                "office.people.done.created",
                async move { office::send("POST", &token, "/api/admin/users", Some(&body)).await },
                move |answer: UserPassword| {
                    username.set(String::new());
                    display.set(String::new());
                    password.set(String::new());
                    on_created.emit(answer);
                },
            );
        })
    };
    let text = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(input_value(&e)))
    };
    let on_role = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            if let Some(r) = Role::from_code(&select_value(&e)) {
                role.set(r);
            }
        })
    };
    html! {
        <form class="dialog people-new" data-test="new-user" {onsubmit}>
            <h2>{ lang.t("office.people.new") }</h2>
            <div class="row-fields">
                <label class="field">
                    <span>{ lang.t("login.username") }</span>
                    <input type="text" dir="ltr" autocomplete="off" autocapitalize="none" spellcheck="false"
                        data-test="new-username" value={(*username).clone()} oninput={text(&username)} />
                </label>
                <label class="field">
                    <span>{ lang.t("office.people.display_name") }</span>
                    <input type="text" dir="auto" data-test="new-display-name"
                        value={(*display).clone()} oninput={text(&display)} />
                </label>
                <label class="field">
                    <span>{ lang.t("office.people.role") }</span>
                    <select data-test="new-role" onchange={on_role}>
                        { for Role::ALL.iter().map(|r| html! {
                            <option value={r.code()} selected={*r == *role}>{ lang.t(role_key(*r)) }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ lang.t("office.people.one_time") }</span>
                    <input type="text" dir="ltr" autocomplete="off" spellcheck="false" data-test="new-password"
                        placeholder={lang.t("office.people.one_time_hint")}
                        value={(*password).clone()} oninput={text(&password)} />
                </label>
            </div>
            <div class="dialog-actions">
                <button type="submit" class="btn primary small" data-test="create-user"
                    disabled={office.busy || username.trim().is_empty()}>{ lang.t("office.people.create") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct PeopleTableProps {
    list: Rc<Vec<UserSummary>>,
    /// The user whose poles and devices are shown under their row.
    open: Option<i64>,
    on_open: Callback<Option<i64>>,
    on_password: Callback<UserPassword>,
}

#[component]
fn PeopleTable(props: &PeopleTableProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    // A deactivation asked for and not yet confirmed.
    let confirm = use_state(|| None::<i64>);
    let reference = model.reference();
    // One's own account is neither reset nor deactivated here (the server refuses both).
    let me = model.username();
    let pole_name = |id: &String| {
        reference
            .as_ref()
            .and_then(|r| r.poles.iter().find(|p| &p.id == id))
            .map_or_else(
                || id.clone(),
                |p| lang.pick(&p.name_ar, &p.name_fr).to_string(),
            )
    };
    let post = |path: String, key: &'static str| {
        let office = office.clone();
        let confirm = confirm.clone();
        Callback::from(move |_: MouseEvent| {
            let (token, path) = (office.token.clone(), path.clone());
            confirm.set(None);
            office.act(
                key,
                async move { office::send::<(), UserSummary>("POST", &token, &path, None).await },
                |_| {},
            );
        })
    };
    let row = |u: &UserSummary| {
        let id = u.id;
        let on_role = {
            let office = office.clone();
            Callback::from(move |e: Event| {
                let token = office.token.clone();
                let body = UserUpdate {
                    role: Some(select_value(&e)),
                    ..UserUpdate::default()
                };
                office.act(
                    "office.people.done.role",
                    async move {
                        office::send(
                            "PATCH",
                            &token,
                            &format!("/api/admin/users/{id}"),
                            Some(&body),
                        )
                        .await
                    },
                    |_: UserSummary| {},
                );
            })
        };
        let reset = {
            let (office, on_password) = (office.clone(), props.on_password.clone());
            Callback::from(move |_: MouseEvent| {
                let token = office.token.clone();
                let on_password = on_password.clone();
                office.act(
                    "office.people.done.reset",
                    async move {
                        let path = format!("/api/admin/users/{id}/password");
                        office::send("POST", &token, &path, Some(&PasswordReset::default())).await
                    },
                    move |answer: UserPassword| on_password.emit(answer),
                );
            })
        };
        let is_open = props.open == Some(id);
        let toggle = {
            let on_open = props.on_open.clone();
            Callback::from(move |_: MouseEvent| on_open.emit((!is_open).then_some(id)))
        };
        let ask = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(Some(id)))
        };
        let cancel = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(None))
        };
        let state = if !u.active {
            html! { <span class="tag warn" data-test="inactive">{ lang.t("office.people.inactive") }</span> }
        } else if u.must_change_password {
            html! { <span class="tag quiet" data-test="must-change">{ lang.t("office.people.must_change") }</span> }
        } else {
            html! { <span class="tag">{ lang.t("office.people.active") }</span> }
        };
        let activate = if !u.active {
            html! {
                <button type="button" class="btn secondary small" data-test="reactivate" disabled={office.busy}
                    onclick={post(format!("/api/admin/users/{id}/reactivate"), "office.people.done.reactivated")}>
                    { lang.t("office.people.reactivate") }</button>
            }
        } else if *confirm == Some(id) {
            html! {
                <>
                    <span class="sub">{ lang.t("office.people.deactivate_confirm") }</span>
                    <button type="button" class="btn danger small" data-test="deactivate-confirm" disabled={office.busy}
                        onclick={post(format!("/api/admin/users/{id}/deactivate"), "office.people.done.deactivated")}>
                        { lang.t("office.people.deactivate") }</button>
                    <button type="button" class="btn link small" onclick={cancel}>{ lang.t("common.cancel") }</button>
                </>
            }
        } else {
            html! {
                <button type="button" class="btn danger-quiet small" data-test="deactivate" disabled={office.busy}
                    onclick={ask}>{ lang.t("office.people.deactivate") }</button>
            }
        };
        let poles = u
            .poles
            .iter()
            .map(&pole_name)
            .collect::<Vec<_>>()
            .join("، ");
        html! {
            <>
            <tr key={id.to_string()} data-test="user-row" data-username={u.username.clone()}
                class={classes!((!u.active).then_some("withdrawn"), is_open.then_some("selected"))}>
                <td>
                    <strong dir="ltr">{ &u.username }</strong>
                    if let Some(name) = &u.display_name { <span class="sub" dir="auto">{ format!(" {name}") }</span> }
                </td>
                <td>
                    <select data-test="user-role" aria-label={lang.t("office.people.role")}
                        disabled={office.busy} onchange={on_role}>
                        { for Role::ALL.iter().map(|r| html! {
                            <option value={r.code()} selected={*r == u.role}>{ lang.t(role_key(*r)) }</option>
                        }) }
                    </select>
                </td>
                <td>{ state }</td>
                <td class="num"><span dir="ltr">{ u.last_activity.map(|t| show_time(epoch_ms(t))).unwrap_or_else(|| "—".into()) }</span></td>
                <td>
                    <button type="button" class="btn link small" data-test="user-open" aria-expanded={is_open.to_string()} onclick={toggle}>
                        { lang.tn("office.people.devices_count", u.devices.into()) }
                        if !poles.is_empty() { <span class="sub">{ format!(" · {poles}") }</span> }
                    </button>
                </td>
                <td><div class="people-actions">
                    if u.username == me {
                        <span class="tag quiet">{ lang.t("office.people.this_is_you") }</span>
                    } else {
                        <button type="button" class="btn secondary small" data-test="reset" disabled={office.busy || !u.active} onclick={reset}>
                            { lang.t("office.people.reset") }</button>
                        { activate }
                    }
                </div></td>
            </tr>
            if is_open {
                <tr key={format!("d{id}")} class="user-detail">
                    <td colspan="6"><UserDetail user={Rc::new(u.clone())} /></td>
                </tr>
            }
            </>
        }
    };
    html! {
        <table class="grid" data-test="people-table">
            <thead><tr>
                <th>{ lang.t("login.username") }</th>
                <th>{ lang.t("office.people.role") }</th>
                <th>{ lang.t("office.people.state") }</th>
                <th>{ lang.t("office.people.last_activity") }</th>
                <th>{ lang.t("office.people.devices_poles") }</th>
                <th></th>
            </tr></thead>
            <tbody>{ for props.list.iter().map(row) }</tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct UserDetailProps {
    user: Rc<UserSummary>,
}

/// A user's poles (ticked: offered first on their tablet) and devices, each revocable.
#[component]
fn UserDetail(props: &UserDetailProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let id = props.user.id;
    let devices = use_get::<Vec<Device>>(Some(format!("/api/admin/users/{id}/devices")));
    let reference = model.reference();
    let poles = reference.iter().flat_map(|r| r.poles.iter()).map(|p| {
        let ticked = props.user.poles.contains(&p.id);
        let onchange = {
            let office = office.clone();
            let (mine, pole) = (props.user.poles.clone(), p.id.clone());
            Callback::from(move |_: Event| {
                let mut next = mine.clone();
                if ticked {
                    next.retain(|x| *x != pole);
                } else {
                    next.push(pole.clone());
                }
                let body = UserUpdate {
                    poles: Some(next.clone()),
                    ..UserUpdate::default()
                };
                let token = office.token.clone();
                office.act(
                    "office.people.done.poles",
                    async move {
                        office::send(
                            "PATCH",
                            &token,
                            &format!("/api/admin/users/{id}"),
                            Some(&body),
                        )
                        .await
                    },
                    |_: UserSummary| {},
                );
            })
        };
        html! {
            <label class="pole-tick">
                <input type="checkbox" checked={ticked} disabled={office.busy} data-test="user-pole"
                    data-pole={p.id.clone()} {onchange} />
                { lang.pick(&p.name_ar, &p.name_fr).to_string() }
            </label>
        }
    });
    let device = |d: &Device| {
        let revoke = {
            let office = office.clone();
            let path = format!("/api/admin/devices/{}/revoke", d.id);
            Callback::from(move |_: MouseEvent| {
                let (token, path) = (office.token.clone(), path.clone());
                office.act(
                    "office.people.done.revoked",
                    async move { office::send::<(), Device>("POST", &token, &path, None).await },
                    |_| {},
                );
            })
        };
        let name = d
            .label
            .clone()
            .or_else(|| d.user_agent.clone())
            .unwrap_or_else(|| d.id.clone());
        html! {
            <tr key={d.id.clone()} data-test="device-row" data-device={d.id.clone()}
                class={classes!(d.revoked_at.is_some().then_some("withdrawn"))}>
                <td class="text" dir="auto">{ name }</td>
                <td class="num"><span dir="ltr">{ show_time(epoch_ms(d.created_at)) }</span></td>
                <td class="num"><span dir="ltr">{ d.last_used_at.map(|t| show_time(epoch_ms(t))).unwrap_or_else(|| "—".into()) }</span></td>
                <td>
                    if d.revoked_at.is_some() {
                        <span class="tag quiet">{ lang.t("office.people.revoked") }</span>
                    } else if d.current {
                        <span class="tag">{ lang.t("office.people.this_device") }</span>
                    } else {
                        <button type="button" class="btn danger-quiet small" data-test="revoke" disabled={office.busy} onclick={revoke}>
                            { lang.t("office.people.revoke") }</button>
                    }
                </td>
            </tr>
        }
    };
    html! {
        <div class="user-detail-panel" data-test="user-detail">
            <h3>{ lang.t("office.people.poles") }</h3>
            <p class="sub">{ lang.t("office.people.poles_hint") }</p>
            <div class="pole-ticks">{ for poles }</div>
            <h3>{ lang.t("office.people.devices") }</h3>
            <LoadNotice loading={devices.loading} error={devices.error.clone()} has_data={devices.data.is_some()} />
            if let Some(list) = devices.data.clone() {
                if list.is_empty() {
                    <p class="muted">{ lang.t("office.people.no_devices") }</p>
                } else {
                    <table class="grid" data-test="device-table">
                        <thead><tr>
                            <th>{ lang.t("office.people.device") }</th>
                            <th>{ lang.t("office.people.device_since") }</th>
                            <th>{ lang.t("office.people.last_activity") }</th>
                            <th></th>
                        </tr></thead>
                        <tbody>{ for list.iter().map(device) }</tbody>
                    </table>
                }
            }
        </div>
    }
}

/// Photos carry personal data (Law 09-08): how long the server keeps them, set here by the
/// administrator, and a purge now of those past it (each deletion audited by the server).
#[component]
fn PhotoRetention() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let settings = use_get::<PhotoSettings>(Some("/api/admin/photos/settings".into()));
    let days = use_state(String::new);
    let purged = use_state(|| None::<u64>);
    {
        let (days, loaded) = (days.clone(), settings.data.clone());
        use_effect_with(loaded, move |loaded| {
            if let Some(s) = loaded {
                days.set(s.retention_days.to_string());
            }
        });
    }
    let onsubmit = {
        let (office, days) = (office.clone(), days.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(retention_days) =
                tachkhis_shared::text::ascii_digits(days.trim()).parse::<u32>()
            else {
                return;
            };
            let token = office.token.clone();
            let body = PhotoSettings { retention_days };
            office.act(
                "office.photos.retention_saved",
                async move {
                    office::send("PUT", &token, "/api/admin/photos/settings", Some(&body)).await
                },
                |_: PhotoSettings| {},
            );
        })
    };
    let purge = {
        let (office, purged) = (office.clone(), purged.clone());
        Callback::from(move |_: MouseEvent| {
            let token = office.token.clone();
            let purged = purged.clone();
            office.act(
                "office.photos.purge_done",
                async move {
                    office::send::<(), PhotoPurge>("POST", &token, "/api/admin/photos/purge", None)
                        .await
                },
                move |answer: PhotoPurge| purged.set(Some(answer.purged)),
            );
        })
    };
    let oninput = {
        let days = days.clone();
        Callback::from(move |e: InputEvent| days.set(input_value(&e)))
    };
    html! {
        <form class="dialog photo-retention" data-test="photo-retention" {onsubmit}>
            <h2>{ lang.t("office.photos.retention_title") }</h2>
            <p class="sub">{ lang.t("office.photos.retention_hint") }</p>
            <div class="row-fields">
                <label class="field">
                    <span>{ lang.t("office.photos.retention_days") }</span>
                    <input type="text" inputmode="numeric" dir="ltr" class="num" data-test="retention-days"
                        value={(*days).clone()} {oninput} />
                </label>
                <button class="btn primary small" data-test="retention-save">{ lang.t("office.territory.save") }</button>
                <button type="button" class="btn secondary small" data-test="photos-purge" onclick={purge}>
                    { lang.t("office.photos.purge") }
                </button>
            </div>
            if let Some(n) = *purged {
                <p class="sub" data-test="photos-purged">{ lang.tn("office.photos.purged_count", n) }</p>
            }
        </form>
    }
}

/// A backup of the whole database, downloaded: the file `tachkhis backup` writes and
/// `tachkhis restore` takes (issue 17).
#[component]
fn BackupPanel() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let busy = use_state(|| false);
    let onclick = {
        let (office, busy) = (office.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let (office, busy) = (office.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result =
                    office::download_as_named(&office.token, "/api/admin/backup", "tachkhis.db")
                        .await;
                busy.set(false);
                if let Err(e) = result {
                    office.failed(e);
                }
            });
        })
    };
    html! {
        <section class="dialog backup-panel" data-test="backup">
            <h2>{ lang.t("office.backup.title") }</h2>
            <p class="sub">{ lang.t("office.backup.hint") }</p>
            <div class="row-fields">
                <button type="button" class="btn secondary small" data-test="backup-download"
                    disabled={*busy} {onclick}>
                    { lang.t("office.backup.download") }
                </button>
                if *busy { <span class="spinner" aria-hidden="true"></span> }
            </div>
        </section>
    }
}
