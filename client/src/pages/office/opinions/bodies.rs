//! The administrator's set-up of the council's bodies: the standing committees and the IEECAG
//! (names in Arabic and French, order, retired or not) and each one's members, picked from the
//! users of the right role (`committee` for a committee, `ieecag` for the IEECAG), with a chair.

use tachkhis_shared::api::opinions::{
    BodyChange, BodyKind, Candidate, CouncilBody, MemberInput, MembersInput, NewBody,
};
use tachkhis_shared::permissions::Action;
use yew::prelude::*;

use super::body_name;
use crate::net::office;
use crate::pages::office::{Link, LoadNotice, select_value, use_get, use_office};
use crate::route::Route;
use crate::use_model;
use crate::widgets::input_value;

fn kind_key(k: &BodyKind) -> &'static str {
    match k {
        BodyKind::Ieecag => "office.bodies.kind.ieecag",
        _ => "office.bodies.kind.committee",
    }
}

#[derive(Properties, PartialEq)]
struct BodyEditProps {
    body: CouncilBody,
    candidates: Vec<Candidate>,
}

/// One body: its names, order and retirement, and its members with a chair.
#[component]
fn BodyEdit(props: &BodyEditProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let b = &props.body;
    let names = use_state(|| (b.name_ar.clone(), b.name_fr.clone()));
    // (user id, chair) as ticked.
    let members = use_state(|| {
        b.members
            .iter()
            .map(|m| (m.user_id, m.chair))
            .collect::<Vec<_>>()
    });
    let role = b.kind.member_role();
    let id = b.id;
    let patch = {
        let office = office.clone();
        move |change: BodyChange| {
            let office = office.clone();
            let token = office.token.clone();
            office.act(
                "office.bodies.done.saved",
                async move {
                    office::send::<_, CouncilBody>(
                        "PATCH",
                        &token,
                        &format!("/api/bodies/{id}"),
                        Some(&change),
                    )
                    .await
                },
                |_| {},
            );
        }
    };
    let save_names = {
        let names = names.clone();
        let patch = patch.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            patch(BodyChange {
                name_ar: Some(names.0.clone()),
                name_fr: Some(names.1.clone()),
                ..BodyChange::default()
            });
        })
    };
    let retire = {
        let patch = patch.clone();
        let retired = b.retired;
        Callback::from(move |_: MouseEvent| {
            patch(BodyChange {
                retired: Some(!retired),
                ..BodyChange::default()
            })
        })
    };
    let save_members = {
        let (office, members) = (office.clone(), members.clone());
        Callback::from(move |_: MouseEvent| {
            let body = MembersInput {
                members: members
                    .iter()
                    .map(|(user_id, chair)| MemberInput {
                        user_id: *user_id,
                        chair: *chair,
                    })
                    .collect(),
            };
            let token = office.token.clone();
            office.act(
                "office.bodies.done.members",
                async move {
                    office::send::<_, CouncilBody>(
                        "PUT",
                        &token,
                        &format!("/api/bodies/{id}/members"),
                        Some(&body),
                    )
                    .await
                },
                |_| {},
            );
        })
    };
    let candidates = props
        .candidates
        .iter()
        .filter(|c| Some(c.role) == role)
        .map(|c| {
            (
                c.user_id,
                c.display_name.clone().unwrap_or_else(|| c.username.clone()),
                c.username.clone(),
            )
        })
        // Members no longer candidates (deactivated) stay listed.
        .chain(
            b.members
                .iter()
                .filter(|m| !props.candidates.iter().any(|c| c.user_id == m.user_id))
                .map(|m| {
                    (
                        m.user_id,
                        m.display_name.clone().unwrap_or_else(|| m.username.clone()),
                        m.username.clone(),
                    )
                }),
        )
        .collect::<Vec<_>>();
    let changed = {
        let mut now = (*members).clone();
        let mut was: Vec<(i64, bool)> = b.members.iter().map(|m| (m.user_id, m.chair)).collect();
        now.sort_unstable();
        was.sort_unstable();
        now != was
    };
    let text = |i: usize| {
        let names = names.clone();
        Callback::from(move |e: InputEvent| {
            let mut n = (*names).clone();
            if i == 0 {
                n.0 = input_value(&e)
            } else {
                n.1 = input_value(&e)
            }
            names.set(n);
        })
    };
    html! {
        <section class={classes!("body-edit", b.retired.then_some("retired"))} data-test="body-edit" data-body={b.id.to_string()}>
            <h2>
                { body_name(lang, b) }{ " " }
                <span class="tag quiet">{ lang.t(kind_key(&b.kind)) }</span>
                if b.retired { <span class="tag quiet">{ lang.t("office.bodies.retired") }</span> }
            </h2>
            <form class="body-names" onsubmit={save_names}>
                <input type="text" dir="rtl" required=true value={names.0.clone()} oninput={text(0)}
                    aria-label={lang.t("office.bodies.name_ar")} placeholder={lang.t("office.bodies.name_ar")} />
                <input type="text" dir="ltr" value={names.1.clone()} oninput={text(1)}
                    aria-label={lang.t("office.bodies.name_fr")} placeholder={lang.t("office.bodies.name_fr")} />
                <button type="submit" class="btn secondary small"
                    disabled={office.busy || names.0.trim().is_empty() || (names.0 == b.name_ar && names.1 == b.name_fr)}>
                    { lang.t("office.bodies.rename") }
                </button>
                <button type="button" class="btn secondary small" data-test="body-retire" onclick={retire} disabled={office.busy}>
                    { lang.t(if b.retired { "office.bodies.bring_back" } else { "office.bodies.retire" }) }
                </button>
            </form>
            <h3>{ lang.t("office.bodies.members") }</h3>
            if candidates.is_empty() {
                <p class="muted">{ lang.t(if role == Some(tachkhis_shared::api::Role::Ieecag) { "office.bodies.no_ieecag_users" } else { "office.bodies.no_committee_users" }) }</p>
            }
            <table class="grid compact members-table">
                <thead><tr>
                    <th>{ lang.t("office.bodies.member") }</th>
                    <th>{ lang.t("office.bodies.chair") }</th>
                </tr></thead>
                <tbody>
                    { for candidates.iter().map(|(uid, name, username)| {
                        let uid = *uid;
                        let ticked = members.iter().find(|m| m.0 == uid).copied();
                        let toggle = {
                            let members = members.clone();
                            Callback::from(move |_: Event| {
                                let mut m = (*members).clone();
                                match m.iter().position(|x| x.0 == uid) {
                                    Some(i) => { m.remove(i); }
                                    None => m.push((uid, false)),
                                }
                                members.set(m);
                            })
                        };
                        let chair = {
                            let members = members.clone();
                            Callback::from(move |_: Event| {
                                let m = members.iter().map(|x| (x.0, x.0 == uid)).collect();
                                members.set(m);
                            })
                        };
                        html! {
                            <tr data-test="member-row" data-user={username.clone()}>
                                <td><label class="pole-tick">
                                    <input type="checkbox" checked={ticked.is_some()} onchange={toggle} data-test="member-tick" />
                                    <span dir="auto">{ name.clone() }</span>
                                </label></td>
                                <td>
                                    <input type="radio" name={format!("chair-{id}")} checked={ticked.is_some_and(|t| t.1)}
                                        disabled={ticked.is_none()} onchange={chair} aria-label={lang.t("office.bodies.chair")} data-test="member-chair" />
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <button type="button" class="btn primary small" data-test="members-save" disabled={office.busy || !changed} onclick={save_members}>
                { lang.t("office.bodies.save_members") }
            </button>
        </section>
    }
}

/// A new committee, or the IEECAG while there is none.
#[component]
fn NewBodyForm(props: &NewBodyFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let fields = use_state(|| ("committee".to_string(), String::new(), String::new()));
    let submit = {
        let (office, fields) = (office.clone(), fields.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = NewBody {
                kind: BodyKind::parse(&fields.0),
                name_ar: fields.1.clone(),
                name_fr: fields.2.clone(),
            };
            let token = office.token.clone();
            let fields = fields.clone();
            office.act(
                "office.bodies.done.created",
                async move {
                    office::send::<_, CouncilBody>("POST", &token, "/api/bodies", Some(&body)).await
                },
                move |_| fields.set(("committee".into(), String::new(), String::new())),
            );
        })
    };
    let set = |i: usize| {
        let fields = fields.clone();
        Callback::from(move |v: String| {
            let mut f = (*fields).clone();
            match i {
                0 => f.0 = v,
                1 => f.1 = v,
                _ => f.2 = v,
            }
            fields.set(f);
        })
    };
    let kinds = [BodyKind::Committee, BodyKind::Ieecag];
    html! {
        <form class="new-body" data-test="new-body" onsubmit={submit}>
            <h2>{ lang.t("office.bodies.new") }</h2>
            <select aria-label={lang.t("office.bodies.kind")} onchange={set(0).reform(|e: Event| select_value(&e))}>
                { for kinds.iter().filter(|k| **k == BodyKind::Committee || !props.has_ieecag).map(|k| html! {
                    <option value={k.code().to_string()} selected={k.code() == fields.0}>{ lang.t(kind_key(k)) }</option>
                }) }
            </select>
            <input type="text" dir="rtl" required=true value={fields.1.clone()} oninput={set(1).reform(|e: InputEvent| input_value(&e))}
                placeholder={lang.t("office.bodies.name_ar")} data-test="new-body-ar" />
            <input type="text" dir="ltr" value={fields.2.clone()} oninput={set(2).reform(|e: InputEvent| input_value(&e))}
                placeholder={lang.t("office.bodies.name_fr")} />
            <button type="submit" class="btn secondary small" disabled={office.busy || fields.1.trim().is_empty()}>
                { lang.t("office.bodies.add") }
            </button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct NewBodyFormProps {
    has_ieecag: bool,
}

#[component]
pub fn BodiesPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let allowed = office.can(Action::ManageBodies);
    let bodies = use_get::<Vec<CouncilBody>>(Some("/api/bodies".into()));
    let candidates = use_get::<Vec<Candidate>>(allowed.then(|| "/api/bodies/candidates".into()));
    let body = match (&bodies.data, &candidates.data) {
        (Some(list), Some(c)) if allowed => html! {
            <>
                { for list.iter().map(|b| html! {
                    // Keyed by what the server holds: a save resets the form to it.
                    <BodyEdit key={format!("{}-{}-{}-{:?}", b.id, b.name_ar, b.name_fr, b.members)} body={b.clone()} candidates={(**c).clone()} />
                }) }
                <NewBodyForm has_ieecag={list.iter().any(|b| b.kind == BodyKind::Ieecag)} />
            </>
        },
        _ => html! {},
    };
    html! {
        <section class="office-page bodies-page" data-test="bodies-page">
            <p class="crumbs"><Link to={Route::OfficeOpinions}>{ lang.t("office.opinions.title") }</Link></p>
            <h1>{ lang.t("office.bodies.title") }</h1>
            <p class="sub">{ lang.t("office.bodies.intro") }</p>
            if !allowed {
                <p class="notice warn">{ lang.t("office.error.forbidden") }</p>
            }
            <LoadNotice loading={bodies.loading || candidates.loading} error={bodies.error.clone().or(candidates.error.clone())}
                has_data={bodies.data.is_some()} />
            { body }
        </section>
    }
}
