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
async fn failed_logins_back_off_per_client_and_never_lock_the_account() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let attacker = "10.0.0.66";
        let guess = |addr: &'static str| e.svc.login("sato", "nope-nope-nope", addr);
        for _ in 0..3 {
            assert!(matches!(guess(attacker).await, Err(Error::BadCredentials)));
        }
        // The attacker's address now waits 1 s, 2 s, 4 s, … after each
        // failure; even the right password is refused meanwhile.
        let mut waits = Vec::new();
        for _ in 0..6 {
            let Err(Error::Throttled { retry_after_secs }) = guess(attacker).await else { panic!("throttled") };
            waits.push(retry_after_secs);
            e.clock.advance(time::Duration::seconds(retry_after_secs as i64));
            assert!(matches!(guess(attacker).await, Err(Error::BadCredentials)));
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32]);
        let Err(e2) = e.svc.login("sato", PW, attacker).await else { panic!("still backing off") };
        assert_eq!(e2.retry_after(), Some(64));
        // The real user, elsewhere, is not locked out, and logging in does
        // not reset the attacker's backoff.
        e.svc.login("sato", PW, "10.0.0.2").await.expect("the account is never locked");
        assert!(matches!(guess(attacker).await, Err(Error::Throttled { .. })));
        // The backoff ends with the window.
        e.clock.advance(time::Duration::minutes(16));
        e.svc.login("sato", PW, attacker).await.expect("window passed");
        let log = e.svc.audit_log(&Actor::operator(), Some("auth.login_throttled"), 1, 50).await.unwrap();
        assert_eq!(log.items.len(), 8, "every refused attempt is audited");
    })
    .await;
}

#[tokio::test]
async fn an_account_attacked_from_many_addresses_is_slowed_not_locked() {
    both(|e| async move {
        e.user("sato", "manager").await;
        // Test speed: the slowing itself is checked below as a function.
        let svc = e.svc.clone().with_login_delay_ceiling(std::time::Duration::ZERO);
        for i in 0..40 {
            let addr = format!("198.51.100.{i}");
            for _ in 0..3 {
                assert!(matches!(svc.login("sato", "wrong-guess-12345", &addr).await, Err(Error::BadCredentials)));
            }
        }
        svc.login("sato", PW, "10.0.0.2").await.expect("120 failures elsewhere lock nobody out");
        use maruhi_service::auth::{account_delay, backoff, ACCOUNT_DELAY_CEILING};
        let ms = |n| account_delay(n, ACCOUNT_DELAY_CEILING).as_millis();
        assert_eq!([ms(0), ms(9), ms(10), ms(11), ms(14), ms(15), ms(120)], [0, 0, 100, 200, 1600, 2000, 2000]);
        assert_eq!(
            [backoff(2, 3), backoff(3, 3), backoff(5, 3)],
            [time::Duration::ZERO, time::Duration::SECOND, time::Duration::seconds(4)]
        );
        assert_eq!(backoff(40, 3), time::Duration::minutes(15));
        // Password spraying from one address backs off too.
        for i in 0..30 {
            let _ = svc.login(&format!("user{i}"), "Winter2026!!", "203.0.113.9").await;
        }
        assert!(matches!(svc.login("sato", PW, "203.0.113.9").await, Err(Error::Throttled { .. })));
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
        assert_eq!(checked, 3, "only three passwords were actually tried");
    })
    .await;
}

#[tokio::test]
async fn guessable_passwords_look_alike_names_and_typed_passwords_are_kept_out() {
    both(|e| async move {
        let op = Actor::operator();
        let user = |name: &str, pw: &str| maruhi_service::admin::UserInput {
            username: name.into(),
            role: "employee".into(),
            password: Some(pw.into()),
            ..Default::default()
        };
        for pw in [
            "            ",
            "password1234",
            "Password2026!",
            "qwertyuiopasdf",
            "abcabcabcabc",
            "123456789012",
            "iloveyou!!!!",
        ] {
            let Err(Error::Invalid(f)) = e.svc.create_user(&op, user("kato", pw)).await else {
                panic!("{pw:?} accepted")
            };
            assert_eq!(f[0].msg, maruhi_service::i18n::Msg::PasswordGuessable, "{pw:?}");
        }
        e.svc.create_user(&op, user("kato", "kumo-no-ue-de-odoru")).await.expect("a passphrase");
        // User names are unique ignoring case.
        e.user("admin", "admin").await;
        let Err(Error::Invalid(f)) = e.svc.create_user(&op, user("Admin", PW)).await else { panic!("Admin accepted") };
        assert_eq!(f[0].msg, maruhi_service::i18n::Msg::UsernameTaken);
        // A password typed into the user-name field is not recorded as typed.
        let typed = "MySecret-Passw0rd-2026";
        assert!(e.svc.login(typed, "anything-at-all", "10.0.0.1").await.is_err());
        let log = e.svc.audit_log(&op, Some("auth.login_failed"), 1, 10).await.unwrap();
        let entry = &log.items[0];
        assert_eq!(entry.actor, "unknown user");
        let text = serde_json::to_string(entry).unwrap();
        assert!(!text.contains(typed) && !text.to_lowercase().contains("mysecret"), "{text}");
        assert_eq!(entry.summary["username_digest"].as_str().map(str::len), Some(16), "{text}");
        // A real user's failed login still names them.
        assert!(e.svc.login("kato", "wrong-password-1", "10.0.0.1").await.is_err());
        let log = e.svc.audit_log(&op, Some("auth.login_failed"), 1, 10).await.unwrap();
        assert_eq!((log.items[0].actor.as_str(), log.items[0].summary["username"].as_str()), ("kato", Some("kato")));
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_use_keeps_it_alive() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let (cookie, _) = e.svc.login("sato", PW, "x").await.unwrap();
        // Used every 20 minutes, it lives on (up to its 12-hour lifetime).
        for _ in 0..4 {
            e.clock.advance(time::Duration::minutes(20));
            assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_some());
        }
        e.clock.advance(time::Duration::minutes(31));
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_none(), "idle for 31 minutes");
    })
    .await;
}

#[tokio::test]
async fn users_change_their_own_password_with_the_current_one() {
    both(|e| async move {
        e.user("sato", "manager").await;
        let (cookie, s) = e.svc.login("sato", PW, "x").await.unwrap();
        let field = |r: Result<(), Error>| match r {
            Err(Error::Invalid(f)) => f.first().map(|f| f.field),
            other => panic!("expected an input error, got {other:?}"),
        };
        let new = "kuromame-2026-sakura";
        assert_eq!(field(e.svc.change_own_password(&s.actor, "not-my-password", new).await), Some("current_password"));
        assert_eq!(field(e.svc.change_own_password(&s.actor, PW, PW).await), Some("new_password"));
        assert_eq!(field(e.svc.change_own_password(&s.actor, PW, "short").await), Some("new_password"));
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_some(), "a refused change changes nothing");
        e.svc.change_own_password(&s.actor, PW, new).await.unwrap();
        assert!(e.svc.session(cookie.expose(), None).await.unwrap().is_none(), "every session ends");
        assert!(e.svc.login("sato", PW, "x").await.is_err());
        e.svc.login("sato", new, "x").await.expect("the new password works");
        let audit = e.svc.audit_log(&Actor::operator(), Some("user.password"), 1, 10).await.unwrap();
        assert_eq!(audit.items.len(), 1);
        // The operator at the console has no password of its own to change.
        assert!(matches!(e.svc.change_own_password(&Actor::operator(), PW, new).await, Err(Error::Forbidden)));
    })
    .await;
}
