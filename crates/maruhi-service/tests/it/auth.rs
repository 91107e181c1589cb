use maruhi_service::{Actor, Error, Scope, Service};

use crate::{both, PW};

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same_and_are_audited() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let a = e.svc.login("sato", "wrong-password-123", "10.0.0.1").await.unwrap_err();
        let b = e.svc.login("nobody", "wrong-password-123", "10.0.0.1").await.unwrap_err();
        assert!(matches!(a, Error::BadCredentials) && matches!(b, Error::BadCredentials));
        assert_eq!(a.message(maruhi_service::i18n::Lang::Ja), b.message(maruhi_service::i18n::Lang::Ja));
        let log = e.svc.audit_log(&Actor::operator(), Some("auth."), 1, 50).await.unwrap();
        let failed: Vec<_> = log.items.iter().filter(|x| x.action == "auth.login_failed").collect();
        assert_eq!(failed.len(), 2);
        e.svc.login("sato", PW, "10.0.0.1").await.expect("right password works");
    })
    .await;
}

#[tokio::test]
async fn logins_are_throttled_after_repeated_failures_then_recover() {
    both(|e| async move {
        e.user("sato", "manager").await;
        for _ in 0..5 {
            assert!(matches!(e.svc.login("sato", "nope-nope-nope", "10.0.0.2").await, Err(Error::BadCredentials)));
        }
        // Even the right password is refused while throttled.
        assert!(matches!(e.svc.login("sato", PW, "10.0.0.2").await, Err(Error::Throttled)));
        e.clock.advance(time::Duration::minutes(16));
        e.svc.login("sato", PW, "10.0.0.2").await.expect("window passed");
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_and_logout_ends_them() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let (cookie, s) = e.svc.login("sato", PW, "x").await.unwrap();
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_some());
        assert!(Service::csrf_matches(&s, &s.csrf_token));
        assert!(!Service::csrf_matches(&s, "forged"));
        e.svc.logout(cookie.expose(), &s.actor).await.unwrap();
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_none());
        let (cookie, _) = e.svc.login("sato", PW, "x").await.unwrap();
        e.clock.advance(time::Duration::hours(13));
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn tokens_are_hashed_scoped_and_revocable() {
    both(|e| async move {
        e.user("tanaka", "analyst").await;
        let op = Actor::operator();
        let token = e.svc.create_token(&op, "tanaka", "gateway", Scope::Read).await.unwrap();
        assert!(token.expose().starts_with("mrh_"));
        assert_eq!(format!("{token:?}"), "Credential(****)");
        let actor = e.svc.token_actor(token.expose(), None).await.unwrap().expect("valid token");
        assert_eq!((actor.username.as_str(), actor.scope), ("tanaka", Scope::Read));
        assert!(e.svc.token_actor("mrh_forged", None).await.unwrap().is_none());
        let id = e.svc.tokens(&op, actor.user_id.unwrap()).await.unwrap()[0].id;
        e.svc.revoke_token(&op, id).await.unwrap();
        assert!(e.svc.token_actor(token.expose(), None).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn disabled_users_cannot_log_in_and_lose_their_sessions() {
    both(|e| async move {
        e.user("kato", "employee").await;
        let (cookie, s) = e.svc.login("kato", PW, "x").await.unwrap();
        let upd = maruhi_service::admin::UserUpdate {
            display_name: "加藤".into(),
            role: "employee".into(),
            disabled: true,
            ..Default::default()
        };
        e.svc.update_user(&Actor::operator(), s.actor.user_id.unwrap(), upd).await.unwrap();
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_none());
        assert!(matches!(e.svc.login("kato", PW, "x").await, Err(Error::BadCredentials)));
    })
    .await;
}

#[tokio::test]
async fn user_input_is_validated_and_names_are_unique() {
    both(|e| async move {
        let op = Actor::operator();
        let bad = maruhi_service::admin::UserInput {
            username: "bad name!".into(),
            role: "boss".into(),
            email: "nope".into(),
            password: Some("short".into()),
            ..Default::default()
        };
        let Err(Error::Invalid(fields)) = e.svc.create_user(&op, bad).await else { panic!("expected invalid") };
        let names: Vec<_> = fields.iter().map(|f| f.field).collect();
        assert_eq!(names, ["username", "email", "role", "password"]);
        e.user("sato", "manager").await;
        let dup =
            maruhi_service::admin::UserInput { username: "sato".into(), role: "employee".into(), ..Default::default() };
        let Err(Error::Invalid(fields)) = e.svc.create_user(&op, dup).await else { panic!("expected duplicate") };
        assert_eq!(fields[0].msg, maruhi_service::i18n::Msg::UsernameTaken);
    })
    .await;
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_under_the_limit() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let svc = e.svc.clone();
        let tries: Vec<_> = (0..12)
            .map(|_| {
                let svc = svc.clone();
                tokio::spawn(async move { svc.login("sato", "wrong-guess-12345", "10.9.9.9").await })
            })
            .collect();
        let mut checked = 0;
        for t in tries {
            if matches!(t.await.unwrap(), Err(Error::BadCredentials)) {
                checked += 1;
            }
        }
        assert_eq!(checked, 5, "only five passwords were actually tried");
    })
    .await;
}
