//! The self-assessment page (per-objective scores, items, next steps, the
//! form for items answered by hand, the history) and the same content as a
//! standalone HTML report for `maruhi assess --format html`.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use maruhi_service::assess::{answer_label, AnswerInput, Assessment, Evidence, Snapshot, ANSWERS};
use maruhi_service::i18n::Lang;
use serde::Deserialize;

use super::{local_time, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

/// An objective's score as shown.
pub struct ObjectiveRow {
    pub name: String,
    pub score: String,
    /// Width of the score bar, percent.
    pub bar: u8,
    pub scored: usize,
    pub items: usize,
}

/// An item as shown.
pub struct ItemRow {
    pub id: String,
    pub objective: String,
    pub area: String,
    pub text: String,
    pub source: String,
    pub manual: bool,
    pub score: String,
    pub score_class: &'static str,
    /// The measured value, or the answer with its note.
    pub value: String,
    pub facts: String,
    pub answered: String,
    pub gap: bool,
    pub next: String,
    /// The current answer's value, to preselect it.
    pub current: String,
}

/// A saved snapshot as shown: scores in the objectives' order.
pub struct HistoryRow {
    pub taken_at: String,
    pub taken_by: String,
    pub overall: String,
    pub objectives: Vec<String>,
}

fn score_text(s: Option<u8>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "—".to_owned())
}

fn score_class(s: Option<u8>) -> &'static str {
    match s {
        None => "score-none",
        Some(0..=49) => "score-low",
        Some(50..=79) => "score-mid",
        Some(_) => "score-high",
    }
}

fn facts_text(f: &serde_json::Map<String, serde_json::Value>) -> String {
    f.iter()
        .filter(|(_, v)| !v.is_array())
        .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the page and the report show, in one language.
pub struct Shown {
    pub overall: String,
    pub objectives: Vec<ObjectiveRow>,
    pub items: Vec<ItemRow>,
    pub history: Vec<HistoryRow>,
    pub at: String,
}

pub fn shown(a: &Assessment, history: &[Snapshot], lang: Lang) -> Shown {
    let objectives = a
        .objectives
        .iter()
        .map(|o| ObjectiveRow {
            name: o.name.get(lang).to_owned(),
            score: score_text(o.score),
            bar: o.score.unwrap_or(0),
            scored: o.scored,
            items: o.items,
        })
        .collect();
    let items = a
        .items
        .iter()
        .map(|i| {
            let value = match (&i.value_text, &i.answer) {
                (Some(t), _) => t.get(lang).to_owned(),
                (None, Some(ans)) if ans.note.is_empty() => answer_label(&ans.answer, lang).to_owned(),
                (None, Some(ans)) => format!("{}: {}", answer_label(&ans.answer, lang), ans.note),
                (None, None) => answer_label("", lang).to_owned(),
            };
            let answered = i
                .answer
                .as_ref()
                .map(|ans| {
                    let files: Vec<String> = ans
                        .evidence
                        .iter()
                        .map(|e| match &e.sha256 {
                            Some(h) => format!("{} (SHA-256 {})", e.name, &h[..h.len().min(16)]),
                            None => e.name.clone(),
                        })
                        .collect();
                    let mut s = format!("{} · {}", ans.answered_by, local_time(&ans.answered_at));
                    if !files.is_empty() {
                        s.push_str(" · ");
                        s.push_str(&files.join(", "));
                    }
                    s
                })
                .unwrap_or_default();
            ItemRow {
                id: i.id.clone(),
                objective: a.objective_name(&i.objective, lang),
                area: a.area_name(&i.area, lang),
                text: i.text.get(lang).to_owned(),
                source: i.source.clone(),
                manual: i.kind == "manual",
                score: score_text(i.score),
                score_class: score_class(i.score),
                value,
                facts: facts_text(&i.facts),
                answered,
                gap: i.gap,
                next: i.next.get(lang).to_owned(),
                current: i.answer.as_ref().map(|x| x.answer.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let history = history
        .iter()
        .map(|s| HistoryRow {
            taken_at: local_time(&s.taken_at),
            taken_by: s.taken_by.clone(),
            overall: score_text(s.overall),
            objectives: a.objectives.iter().map(|o| score_text(s.objectives.get(&o.id).copied().flatten())).collect(),
        })
        .collect();
    Shown { overall: score_text(a.overall), objectives, items, history, at: local_time(&a.at) }
}

/// The answers offered in the form, with their labels.
fn answer_options(lang: Lang) -> Vec<(&'static str, &'static str)> {
    ANSWERS.iter().map(|a| (*a, answer_label(a, lang))).collect()
}

#[derive(Template)]
#[template(path = "assessment.html")]
pub struct AssessmentPage {
    ctx: Ctx,
    s: Shown,
    objective_names: Vec<String>,
    may_answer: bool,
    options: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

/// The standalone report: the page's content with its stylesheet inlined.
#[derive(Template)]
#[template(path = "assessment_report.html")]
pub struct AssessmentReport {
    ctx: Ctx,
    s: Shown,
    objective_names: Vec<String>,
    css: &'static str,
}

/// A standalone HTML report of an assessment and its history, in `lang`.
pub fn assessment_report(a: &Assessment, history: &[Snapshot], lang: Lang) -> Result<String, askama::Error> {
    AssessmentReport {
        ctx: Ctx::anonymous(lang),
        s: shown(a, history, lang),
        objective_names: a.objectives.iter().map(|o| o.name.get(lang).to_owned()).collect(),
        css: include_str!("../../static/app.css"),
    }
    .render()
}

#[derive(Deserialize)]
pub struct AssessmentQuery {
    done: Option<String>,
}

/// `GET /assessment`.
pub async fn page(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AssessmentQuery>) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let a = state.svc.assessment(viewer.actor()).await.map_err(err)?;
    let history = state.svc.assessment_history(viewer.actor(), 20).await.map_err(err)?;
    let ctx = viewer.ctx();
    let message = match q.done.as_deref() {
        Some("answer") => Some(ctx.t("assess.answered").to_owned()),
        Some("save") => Some(ctx.t("assess.saved").to_owned()),
        _ => None,
    };
    Ok(render(&AssessmentPage {
        s: shown(&a, &history, lang),
        objective_names: a.objectives.iter().map(|o| o.name.get(lang).to_owned()).collect(),
        may_answer: a.may_answer,
        options: answer_options(lang),
        message,
        ctx,
    }))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    /// An evidence file's name, optional.
    #[serde(default)]
    evidence_name: String,
    /// Its SHA-256, optional.
    #[serde(default)]
    evidence_sha256: String,
}

/// `POST /assessment/answers`: the form of one item.
pub async fn answer(State(state): State<AppState>, viewer: Viewer, Form(f): Form<AnswerForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let evidence = if f.evidence_name.trim().is_empty() {
        Vec::new()
    } else {
        let sha256 = Some(f.evidence_sha256.trim().to_owned()).filter(|s| !s.is_empty());
        vec![Evidence { name: f.evidence_name, sha256 }]
    };
    let input = AnswerInput { item: f.item, answer: f.answer, note: f.note, evidence };
    state.svc.answer_assessment_item(viewer.actor(), input).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/assessment?done=answer").into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /assessment/save`: saves a snapshot.
pub async fn save(State(state): State<AppState>, viewer: Viewer, Form(f): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    state.svc.save_assessment(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/assessment?done=save").into_response())
}
