//! Every demo login in a real browser (Debian's headless Chromium over chromedriver) on `zhizao
//! serve --demo`, as a newcomer meets the platform: each role's home page with its work, the
//! text of every page in zh-CN free of untranslated words and raw keys, an application's
//! problems beside its fields, steps that cannot be taken shown disabled with the reason,
//! irreversible steps asking first, report exports without a year, the SQL console, and the
//! layout at 1,366 and 390 pixels. Screenshots land in the test's temporary target directory.
//!
//! The test script installs `chromium` and `chromium-driver`; when it runs the suite their
//! absence is a failure.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::{Running, serve_with};

/// Words a zh-CN page may show in Latin letters: the language switch, brands, formats and
/// standard abbreviations (compared without case).
const ALLOWED_LATIN: &[&str] = &[
    "english",
    // File formats and the systems that write them.
    "dxf",
    "cad",
    // The pattern exchange standards garment CAD systems write, and marker files for the
    // screen and for plotters and cutters.
    "aama",
    "astm",
    "svg",
    "hpgl",
    "plt",
    // A key on the keyboard, named as printed on it.
    "shift",
    "api",
    "csv",
    "xlsx",
    "xls",
    "ods",
    "gbk",
    "utf",
    "excel",
    "word",
    "sql",
    "mes",
    "pdf",
    "png",
    "jpeg",
    "jpg",
    "docx",
    "doc",
    "led",
    "mqtt",
    "http",
    "https",
    "json",
    "rpc",
    "apache",
    "datafusion",
    "influxdb",
    "thingsboard",
    "ppm",
    "oee",
    "iso",
    // The systems and things smart manufacturing names by their abbreviations in Chinese too
    // (the maturity model's requirements, the solution library's titles).
    "erp",
    "crm",
    "pdm",
    "wms",
    "capp",
    "agv",
    "bom",
    "aps",
    "dnc",
    "mdc",
    "plm",
    "spc",
];

/// The text of the page a reader reads: without scripts, code, user-typed codes (`mono`,
/// `translate="no"`) and form values.
const PAGE_TEXT: &str = "const clone = document.body.cloneNode(true); \
     clone.querySelectorAll('script,style,pre,code,textarea,.mono,[translate=no],input').forEach(e => e.remove()); \
     return clone.textContent;";

/// Raw keys (`snake_case`) anywhere, and Latin words outside [`ALLOWED_LATIN`] on a Chinese
/// page.
fn untranslated(text: &str, chinese: bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let raw_key = word.contains('_') && word.chars().any(|c| c.is_ascii_lowercase());
        let latin = chinese
            && word.len() >= 3
            && word.chars().all(|c| c.is_ascii_alphabetic())
            && !ALLOWED_LATIN.contains(&word.to_ascii_lowercase().as_str());
        if raw_key || latin {
            found.insert(word.to_owned());
        }
    }
    found
}

#[test]
fn untranslated_words_and_raw_keys_are_found() {
    let found = untranslated(
        "状态 town_review，Submit 与 CSV、Excel 2026 v2 “营业执照”",
        true,
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["Submit", "town_review"]
    );
    assert!(untranslated("Submitted to Xiaolan for review", false).is_empty());
    assert_eq!(untranslated("Status: city_review", false).len(), 1);
}

fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

type Outcome<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The browser, its driver and where its pages and screenshots go.
struct Walk {
    client: Client,
    base: String,
    shots: PathBuf,
    _driver: Running,
    _profile: tempfile::TempDir,
}

impl Walk {
    async fn start(base: String) -> Option<Walk> {
        let (Some(chromedriver), Some(chromium)) = (
            find("chromedriver"),
            find("chromium").or_else(|| find("chromium-browser")),
        ) else {
            zhizao_db::testing::missing("chromium and chromedriver");
            return None;
        };
        let port = free_port();
        let driver = Running(
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities.as_object().unwrap().clone());
        let mut client = None;
        for _ in 0..50 {
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(connected) => {
                    client = Some(connected);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("walkthrough");
        std::fs::create_dir_all(&shots).unwrap();
        Some(Walk {
            client: client.expect("chromedriver accepts a session"),
            base,
            shots,
            _driver: driver,
            _profile: profile,
        })
    }

    async fn go(&self, path: &str) -> Outcome {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    async fn sign_in(&self, username: &str) -> Outcome {
        self.sign_in_with(username, zhizao_demo::DEMO_PASSWORD)
            .await
    }

    async fn sign_in_with(&self, username: &str, password: &str) -> Outcome {
        self.client.delete_all_cookies().await?;
        self.go("/login").await?;
        self.client
            .find(Locator::Id("username"))
            .await?
            .send_keys(username)
            .await?;
        self.client
            .find(Locator::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        self.client
            .find(Locator::Css("form[action='/login'] button[type=submit]"))
            .await?
            .click()
            .await?;
        self.client.wait().for_element(Locator::Id("todos")).await?;
        Ok(())
    }

    /// Types each value into the field with that id.
    async fn fill(&self, fields: &[(&str, &str)]) -> Outcome {
        for (id, value) in fields {
            self.client
                .find(Locator::Id(id))
                .await?
                .send_keys(value)
                .await?;
        }
        Ok(())
    }

    async fn click(&self, locator: Locator<'_>) -> Outcome {
        self.client.find(locator).await?.click().await?;
        Ok(())
    }

    /// Chooses `value` in the select with id `id`.
    async fn select(&self, id: &str, value: &str) -> Outcome {
        self.client
            .find(Locator::Id(id))
            .await?
            .select_by_value(value)
            .await?;
        Ok(())
    }

    async fn script(&self, script: &str) -> Outcome<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    async fn text_of(&self, css: &str) -> Outcome<String> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    async fn shot(&self, name: &str) -> Outcome {
        std::fs::write(
            self.shots.join(format!("{name}.png")),
            self.client.screenshot().await?,
        )?;
        Ok(())
    }

    /// Visits the page, the pages its links lead to, and theirs, one of each kind (a number
    /// in a path makes pages of one kind), at most `limit`; returns the untranslated words
    /// and raw keys found, by page.
    async fn read_every_page(&self, limit: usize, chinese: bool) -> Outcome<Vec<String>> {
        let kind = |path: &str| {
            path.split('?')
                .next()
                .unwrap_or("")
                .split('/')
                .map(|part| {
                    if part.chars().any(|c| c.is_ascii_digit()) {
                        "N"
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut queue = vec!["/".to_owned()];
        let mut kinds = BTreeSet::from([kind("/")]);
        let mut problems = Vec::new();
        let mut visited = 0;
        while let Some(path) = (!queue.is_empty()).then(|| queue.remove(0)) {
            if visited == limit {
                break;
            }
            visited += 1;
            self.go(&path).await?;
            let text = self.script(PAGE_TEXT).await?;
            let found = untranslated(text.as_str().unwrap_or(""), chinese);
            if !found.is_empty() {
                problems.push(format!("{path}: {found:?}"));
            }
            let links = self
                .script(
                    "return Array.from(document.querySelectorAll('a[href^=\"/\"]')).map(a => a.getAttribute('href'));",
                )
                .await?;
            for link in links.as_array().into_iter().flatten() {
                let link = link.as_str().unwrap_or("").split('#').next().unwrap_or("");
                let skipped = link.starts_with("/api")
                    || link.starts_with("/assets")
                    || link.contains("export")
                    || link.contains("page=");
                if !skipped && kinds.insert(kind(link)) {
                    queue.push(link.to_owned());
                }
            }
        }
        Ok(problems)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_login_walks_through_its_work_in_a_browser() {
    let data = tempfile::tempdir().unwrap();
    let platform = serve_with(data.path(), &["--demo"], &[]);
    let Some(walk) = Walk::start(format!("http://{}", platform.http)).await else {
        return;
    };
    let result = walk_through(&walk).await;
    walk.client.clone().close().await.ok();
    if let Err(error) = result {
        panic!("walkthrough failed: {error}");
    }
}

async fn walk_through(walk: &Walk) -> Outcome {
    home_pages_and_words(walk).await?;
    experts_read_the_whole_proposal(walk).await?;
    application_problems_beside_their_fields(walk).await?;
    steps_not_offered_and_confirmed(walk).await?;
    report_exports(walk).await?;
    sql_console(walk).await?;
    joining_and_recovering(walk).await?;
    demo_that_makes_sense(walk).await?;
    shared_factory_prices(walk).await?;
    planner_drags_to_pin(walk).await?;
    layout(walk).await?;
    Ok(())
}

/// Each login's home page says what waits on it, and no page it reaches shows an
/// untranslated word or a raw key, in Chinese or (for two logins) in English.
async fn home_pages_and_words(walk: &Walk) -> Outcome {
    let mut problems = Vec::new();
    for login in zhizao_demo::demo_logins() {
        walk.sign_in(&login.username).await?;
        walk.shot(&format!("home-{}", login.username)).await?;
        let todos = walk.text_of("#todos").await?;
        let expected = match login.username.as_str() {
            "maker" => Some("被退回"),
            "xiaolan" | "nantou" => Some("待镇街办理"),
            "admin" | "city.staff" => Some("待市级部门办理"),
            "expert" => Some("待评审"),
            _ => None,
        };
        if let Some(expected) = expected {
            assert!(
                todos.contains(expected),
                "{}'s to-dos name {expected}: {todos}",
                login.username
            );
        }
        let registry = walk.client.find(Locator::Css("#todos ~ h2")).await.is_ok();
        assert_eq!(
            registry,
            matches!(
                login.role.as_str(),
                "city_admin" | "city_staff" | "town_staff" | "platform_staff"
            ),
            "registry figures only for those who oversee enterprises ({})",
            login.username
        );
        problems.extend(
            walk.read_every_page(30, true)
                .await?
                .into_iter()
                .map(|p| format!("{}: {p}", login.username)),
        );
    }
    for username in ["maker", "admin"] {
        walk.sign_in(username).await?;
        walk.click(Locator::Css("form[action='/language'] button"))
            .await?;
        walk.client
            .wait()
            .for_element(Locator::Css("html[lang='en']"))
            .await?;
        walk.shot(&format!("home-{username}-en")).await?;
        problems.extend(
            walk.read_every_page(30, false)
                .await?
                .into_iter()
                .map(|p| format!("{username} (en): {p}")),
        );
        // Back to Chinese for whoever signs in next (stored on the account once the switch
        // has answered).
        walk.click(Locator::Css("form[action='/language'] button"))
            .await?;
        walk.client
            .wait()
            .for_element(Locator::Css("html[lang='zh-CN']"))
            .await?;
    }
    assert!(
        problems.is_empty(),
        "pages show untranslated words or raw keys:\n{}",
        problems.join("\n")
    );
    Ok(())
}

/// The expert's reviews show each proposal's objectives, budget with its total, planned
/// milestones and the deadline, and never the applicant.
async fn experts_read_the_whole_proposal(walk: &Walk) -> Outcome {
    walk.sign_in("expert").await?;
    walk.go("/reviews").await?;
    let facts = walk
        .script(
            "const card = document.querySelector('.card.review'); \
             return [card.querySelectorAll('table.budget tbody tr').length, card.querySelectorAll('ol.plan li').length, \
                     (card.querySelector('[id^=due-]') || {textContent: ''}).textContent, document.body.innerText.includes('有限公司')];",
        )
        .await?;
    assert_eq!(facts[0], 6, "five budget lines and the total: {facts}");
    assert_eq!(facts[1], 3, "three planned milestones: {facts}");
    assert!(
        facts[2].as_str().unwrap_or("").contains("评审截止"),
        "{facts}"
    );
    assert_eq!(facts[3], false, "no applicant's name on a blind review");
    walk.shot("expert-reviews").await?;
    Ok(())
}

/// The maker's draft: unreadable and missing values are each named beside their cell at
/// once; dates outside the batch's project window are refused on submission beside the
/// period and the invoice.
async fn application_problems_beside_their_fields(walk: &Walk) -> Outcome {
    walk.sign_in("maker").await?;
    let draft = walk
        .script(
            "return Array.from(document.querySelectorAll('#todos a')).find(a => a.textContent.includes('尚未提交')).getAttribute('href');",
        )
        .await?;
    let draft = draft
        .as_str()
        .ok_or("the maker has a draft to do")?
        .to_owned();
    walk.go(&format!("{draft}/edit")).await?;
    let set = |name: &str, value: &str| {
        format!(
            "document.querySelector('[name={name}]').value = {};",
            serde_json::to_string(value).unwrap()
        )
    };
    let original = walk
        .script("return [document.querySelector('[name=i1_quantity]').value, document.querySelector('[name=i0_name]').value];")
        .await?;
    walk.script(&format!(
        "{}{}{}{}{} document.querySelector('form.card button[type=submit]').click();",
        set("i1_quantity", "三台"),
        set("i0_name", ""),
        set("starts_on", "2010-01-01"),
        set("ends_on", "2011-12-31"),
        set("i0_invoice_date", "2009-05-01"),
    ))
    .await?;
    walk.client
        .wait()
        .for_element(Locator::Id("item-1-error"))
        .await?;
    let quantity = walk.text_of("#item-1-error").await?;
    let name = walk.text_of("#item-0-error").await?;
    assert!(
        quantity.contains("第 2 行") && quantity.contains("数量"),
        "{quantity}"
    );
    assert!(name.contains("名称") && name.contains("必填"), "{name}");
    walk.shot("application-form-errors").await?;
    let body = walk.script(PAGE_TEXT).await?;
    let body = body.as_str().unwrap_or("");
    assert!(
        !body.contains("items[") && !body.contains("invalid input"),
        "{body}"
    );
    // Readable values, dates still outside the window: saved as a draft, refused on submission.
    walk.script(&format!(
        "{}{} document.querySelector('form.card button[type=submit]').click();",
        set("i1_quantity", original[0].as_str().unwrap_or("1")),
        set("i0_name", original[1].as_str().unwrap_or("设备")),
    ))
    .await?;
    walk.client
        .wait()
        .for_element(Locator::Css("button[data-action=submit]"))
        .await?
        .click()
        .await?;
    walk.client
        .wait()
        .for_element(Locator::Id("period-error"))
        .await?;
    let period = walk.text_of("#period-error").await?;
    assert!(period.contains("不在本批次的项目期限"), "{period}");
    let summary = walk.text_of("#action-error").await?;
    assert!(
        summary.contains("开始日期") && summary.contains("第 1 行 发票日期"),
        "{summary}"
    );
    assert!(!summary.contains("starts_on"), "{summary}");
    walk.shot("application-submission-refused").await?;
    assert!(
        walk.text_of("#status").await?.contains("草稿"),
        "nothing changed"
    );
    Ok(())
}

/// During the public notice, approval is shown disabled with the reason; rejecting asks first,
/// and a "no" changes nothing.
async fn steps_not_offered_and_confirmed(walk: &Walk) -> Outcome {
    walk.sign_in("admin").await?;
    walk.go("/projects?status=public_notice").await?;
    let links = walk
        .script("return Array.from(document.querySelectorAll('#applications tbody a[href^=\"/projects/applications/\"]')).map(a => a.getAttribute('href'));")
        .await?;
    // An application still on notice (the demo has some whose notice is over, which the city
    // may approve).
    let mut on_notice = None;
    for link in links.as_array().into_iter().flatten() {
        let link = link.as_str().unwrap_or("");
        walk.go(link).await?;
        if let Ok(why) = walk.text_of("#why-approve").await {
            let approve = walk
                .client
                .find(Locator::Css("button[data-action=approve]"))
                .await?;
            assert!(
                approve.attr("disabled").await?.is_some(),
                "approval is not offered during the notice"
            );
            assert!(why.contains("公示期"), "{why}");
            on_notice = Some(link.to_owned());
            break;
        }
    }
    let first = on_notice.ok_or("an application still on public notice")?;
    walk.shot("approve-disabled-during-notice").await?;
    walk.client
        .find(Locator::Css(
            "form[data-confirm] input[name=comment][required]",
        ))
        .await?
        .send_keys("测试：不予通过")
        .await?;
    walk.click(Locator::Css("button[data-action=reject]"))
        .await?;
    let question = walk.client.get_alert_text().await?;
    assert!(question.contains("不可撤销"), "{question}");
    walk.client.dismiss_alert().await?;
    walk.go(&first).await?;
    assert!(
        walk.text_of("#status").await?.contains("公示"),
        "a dismissed confirmation changes nothing"
    );
    Ok(())
}

/// A company signs up from the sign-in page, Xiaolan (whose home page says a sign-up waits)
/// approves it after a confirmation, and its administrator signs in and sees its users; then
/// the administrator forgets the password and resets it with the link the outbox holds.
async fn joining_and_recovering(walk: &Walk) -> Outcome {
    walk.client.delete_all_cookies().await?;
    walk.go("/login").await?;
    walk.click(Locator::Css("a[href='/signup']")).await?;
    walk.client
        .wait()
        .for_element(Locator::Id("credit_code"))
        .await?;
    let code = zhizao_core::CreditCode::from_parts('9', '1', "442000", "7W4LK9R2")
        .ok_or("a valid code")?
        .to_string();
    walk.fill(&[
        ("credit_code", code.as_str()),
        ("enterprise_name", "中山市走查测试电器有限公司"),
        ("legal_representative", "何八"),
        ("contact_name", "何八"),
        ("phone", "13600000099"),
        ("email", "walk@example.com"),
        ("username", "walk.tester"),
        ("password", "Walk-Tester-2026"),
        ("password_again", "Walk-Tester-2026"),
    ])
    .await?;
    walk.select("town_code", "442000118").await?;
    walk.select("industry_code", "3856").await?;
    walk.click(Locator::Id("signup-submit")).await?;
    let sent = walk
        .client
        .wait()
        .for_element(Locator::Id("signup-sent"))
        .await?
        .text()
        .await?;
    assert!(sent.contains("小榄镇"), "{sent}");
    walk.shot("signup-sent").await?;

    walk.sign_in("xiaolan").await?;
    let todos = walk.text_of("#todos").await?;
    assert!(todos.contains("注册申请待审核"), "{todos}");
    walk.go("/signups").await?;
    let card = walk
        .script(
            "return Array.from(document.querySelectorAll('.card[id^=signup-]')).find(c => c.innerText.includes('走查测试电器')).id;",
        )
        .await?;
    let card = card.as_str().ok_or("the sign-up's card")?.to_owned();
    walk.shot("signups").await?;
    walk.click(Locator::Css(&format!(
        "#{card} button[data-action=approve]"
    )))
    .await?;
    walk.client.accept_alert().await?;
    let said = walk
        .client
        .wait()
        .for_element(Locator::Css(".notice.ok[role=status]"))
        .await?
        .text()
        .await?;
    assert!(
        said.contains("walk.tester"),
        "the approval says which account works now: {said}"
    );

    walk.sign_in_with("walk.tester", "Walk-Tester-2026").await?;
    walk.go("/users").await?;
    assert!(walk.text_of("main").await?.contains("walk.tester"));

    walk.client.delete_all_cookies().await?;
    walk.go("/login").await?;
    walk.click(Locator::Css("a[href='/password/forgot']"))
        .await?;
    walk.client
        .wait()
        .for_element(Locator::Id("login"))
        .await?
        .send_keys("walk@example.com")
        .await?;
    walk.click(Locator::Css(
        "form[action='/password/forgot'] button[type=submit]",
    ))
    .await?;
    walk.client
        .wait()
        .for_element(Locator::Id("reset-sent"))
        .await?;
    walk.sign_in("admin").await?;
    walk.go("/notifications").await?;
    let link = walk
        .script("return (document.body.innerText.match(/\\/password\\/reset\\/\\S+/) || [''])[0];")
        .await?;
    let link = link.as_str().unwrap_or("").to_owned();
    assert!(!link.is_empty(), "the outbox holds the link");
    walk.client.delete_all_cookies().await?;
    walk.go(&link).await?;
    walk.fill(&[
        ("password", "Walk-Reset-2027"),
        ("password_again", "Walk-Reset-2027"),
    ])
    .await?;
    walk.click(Locator::Id("reset-submit")).await?;
    walk.client
        .wait()
        .for_element(Locator::Id("username"))
        .await?;
    walk.sign_in_with("walk.tester", "Walk-Reset-2027").await?;
    Ok(())
}

/// The demo as a newcomer finds it: the maker's machines are online (the embedded simulator
/// runs them), with readings from the last minute; an application waiting on Xiaolan carries
/// every document its batch requires, and each opens as a PDF.
async fn demo_that_makes_sense(walk: &Walk) -> Outcome {
    walk.sign_in("maker").await?;
    let todos = walk.text_of("#todos").await?;
    assert!(!todos.contains("离线"), "no device offline: {todos}");
    walk.go("/devices").await?;
    let connection = walk
        .script(
            "return Array.from(document.querySelectorAll('main table tbody tr')).map(r => r.cells[4].innerText.trim());",
        )
        .await?;
    let connection: Vec<&str> = connection
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(connection.len() >= 20, "{connection:?}");
    assert!(
        connection.iter().all(|state| *state == "在线"),
        "every demo machine is online: {connection:?}"
    );

    walk.sign_in("xiaolan").await?;
    walk.go("/projects?status=town_review").await?;
    let first = walk
        .script("return document.querySelector('#applications tbody a[href^=\"/projects/applications/\"]').getAttribute('href');")
        .await?;
    walk.go(first.as_str().ok_or("an application waiting on Xiaolan")?)
        .await?;
    let documents = walk
        .script(
            "const required = (document.querySelector('#attachments') ? document.querySelector('#attachments').closest('.table-wrap').previousElementSibling.innerText : ''); \
             const rows = Array.from(document.querySelectorAll('#attachments tbody tr')).map(r => r.cells[0].innerText.trim()); \
             return [required, rows, document.querySelector('#attachments a').getAttribute('href')];",
        )
        .await?;
    let required = documents[0].as_str().unwrap_or("");
    let carried: Vec<&str> = documents[1]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for name in ["营业执照", "技改备案证", "设备发票", "第三方竣工评价报告"] {
        assert!(required.contains(name), "{required}");
        assert!(carried.contains(&name), "{name} is carried: {carried:?}");
    }
    let link = documents[2].as_str().ok_or("a document's link")?;
    let opened = walk
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(arguments[0]).then(async r => done([r.headers.get('content-type'), new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))]));",
            vec![json!(link)],
        )
        .await?;
    assert_eq!(opened, json!(["application/pdf", "%PDF-"]), "{link}");
    walk.shot("application-documents").await?;
    Ok(())
}

/// A client finds the polishing centre's published tariff and prices an order on its page:
/// 2,000 faucets, one set-up, 90 minutes of a cell — 200 + 270 + 2,000 × 2.20 = 4,870 yuan.
async fn shared_factory_prices(walk: &Walk) -> Outcome {
    walk.sign_in("maker").await?;
    walk.go("/factories").await?;
    walk.click(Locator::Css(
        "#factories a[href='/factories/robot-polishing/tariff']",
    ))
    .await?;
    walk.client
        .wait()
        .for_element(Locator::Id("calculate"))
        .await?;
    walk.select("family", "卫浴龙头").await?;
    walk.fill(&[
        ("quantity", "2000"),
        ("setups", "1"),
        ("polishing_cell", "90"),
    ])
    .await?;
    walk.click(Locator::Id("calculate")).await?;
    let total = walk
        .client
        .wait()
        .for_element(Locator::Id("price-total"))
        .await?
        .text()
        .await?;
    assert_eq!(total, "4,870.00");
    walk.shot("factory-quote").await?;
    // Then orders: the form prices it and promises a date from the factory's plan at once.
    walk.click(Locator::Id("place-order")).await?;
    walk.client
        .wait()
        .for_element(Locator::Id("submit-order"))
        .await?;
    walk.select("family", "卫浴龙头").await?;
    walk.fill(&[
        ("material", "黄铜"),
        ("quantity", "1500"),
        ("part_mm", "230"),
    ])
    .await?;
    let need_by = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
        .saturating_add(time::Duration::days(30));
    walk.script(&format!(
        "document.getElementById('need_by').value = '{need_by}';"
    ))
    .await?;
    walk.click(Locator::Id("submit-order")).await?;
    walk.client
        .wait()
        .for_element(Locator::Id("accept"))
        .await?;
    let promised = walk.text_of("#promised").await?;
    assert!(promised.starts_with("20"), "{promised}");
    walk.shot("factory-order-quoted").await?;
    walk.click(Locator::Id("accept")).await?;
    let status = walk
        .client
        .wait()
        .for_element(Locator::Css("#order-status[data-status='confirmed']"))
        .await?
        .text()
        .await?;
    assert_eq!(status, "已确认");
    // The list holds it beside the demo's orders of this maker.
    walk.go("/factory-orders").await?;
    let rows = walk
        .script("return document.querySelectorAll('#orders tbody tr').length;")
        .await?;
    assert!(rows.as_u64() >= Some(3), "{rows}");
    walk.shot("factory-orders").await?;
    Ok(())
}

/// The polishing centre's planner drags a bar on the Gantt chart three hours later: the pin
/// lands in the plan form, and planning again holds it (or names why it cannot).
async fn planner_drags_to_pin(walk: &Walk) -> Outcome {
    walk.sign_in("polishing").await?;
    walk.go("/factories/robot-polishing/plan").await?;
    walk.client
        .wait()
        .for_element(Locator::Css("#gantt canvas"))
        .await?;
    let dragged = walk
        .script(
            "var chart = echarts.getInstanceByDom(document.getElementById('gantt'));
             var data = JSON.parse(document.getElementById('plan-data').textContent);
             var op = data.ops[0];
             var mid = (op[1] + op[2]) / 2;
             var from = chart.convertToPixel({seriesIndex: 0}, [mid, op[0]]);
             var to = chart.convertToPixel({seriesIndex: 0}, [mid + 3 * 3600000, op[0]]);
             var dom = chart.getZr().painter.getViewportRoot();
             var rect = dom.getBoundingClientRect();
             function fire(type, p) {
               dom.dispatchEvent(new MouseEvent(type, {clientX: rect.left + p[0], clientY: rect.top + p[1],
                 bubbles: true, cancelable: true, button: 0, view: window}));
             }
             fire('mousemove', from); fire('mousedown', from); fire('mousemove', to); fire('mouseup', to);
             return [op[3] + ' ' + op[4] + ' ' + op[5] + ' ' + data.resources[op[0]], document.getElementById('pins').value];",
        )
        .await?;
    let (operation, pins) = (
        dragged[0].as_str().unwrap_or_default(),
        dragged[1].as_str().unwrap_or_default(),
    );
    assert!(
        !operation.is_empty() && pins.starts_with(operation),
        "{dragged}"
    );
    walk.shot("factory-plan-dragged").await?;
    let versions = walk
        .script("return document.querySelectorAll('#plan-versions tbody tr').length;")
        .await?;
    // The old page is marked so that waiting finds the new one.
    walk.script("document.body.dataset.before = '1';").await?;
    walk.click(Locator::Id("make-plan")).await?;
    walk.client
        .wait()
        .at_most(std::time::Duration::from_secs(90))
        .for_element(Locator::Css(
            "body:not([data-before]) #plan-versions, body:not([data-before]) #plan-problems",
        ))
        .await?;
    let after = walk
        .script(
            "return [document.querySelectorAll('#plan-versions tbody tr').length, !!document.getElementById('plan-problems')];",
        )
        .await?;
    assert!(
        after[0].as_u64() > versions.as_u64() || after[1] == true,
        "{versions} → {after}"
    );
    Ok(())
}

/// The report's exports answer a file without a year, and a wrong year is a page naming it.
async fn report_exports(walk: &Walk) -> Outcome {
    walk.go("/projects/reports").await?;
    for id in ["export-xlsx", "export-csv"] {
        let answer = walk
            .script(&format!(
                "const href = document.getElementById('{id}').getAttribute('href'); \
                 return fetch(href).then(r => [r.status, r.headers.get('content-type'), href]);"
            ))
            .await?;
        assert_eq!(answer[0], 200, "{answer}");
        let content_type = answer[1].as_str().unwrap_or("");
        assert!(
            content_type.contains("csv") || content_type.contains("spreadsheetml"),
            "{answer}"
        );
    }
    walk.go("/projects/reports/export?year=abc&format=csv")
        .await?;
    let page = walk
        .script("return [document.contentType, document.body.innerText];")
        .await?;
    assert_eq!(page[0], "text/html", "{page}");
    assert!(page[1].as_str().unwrap_or("").contains("年度"), "{page}");
    Ok(())
}

/// The SQL console pages a long result, shows Beijing time and rounded fractions, and an error
/// clears the last result.
async fn sql_console(walk: &Walk) -> Outcome {
    walk.sign_in("maker").await?;
    walk.go("/telemetry/sql").await?;
    let run = |sql: &str| {
        format!(
            "document.getElementById('sql').value = {}; document.querySelector('#sql-form button[type=submit]').click();",
            serde_json::to_string(sql).unwrap()
        )
    };
    walk.script(&run(
        "SELECT TIMESTAMP '2026-01-01T00:00:00' AS t, 1.0 / 3 AS third, value AS n FROM generate_series(0, 249) ORDER BY n",
    ))
    .await?;
    for _ in 0..100 {
        if walk.text_of("#sql-summary").await?.contains("250") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let summary = walk.text_of("#sql-summary").await?;
    assert!(
        summary.contains("共 250 行") && summary.contains("第 1–100 行"),
        "{summary}"
    );
    let rows = walk
        .script("return document.querySelectorAll('#sql-result tbody tr').length;")
        .await?;
    assert_eq!(rows, 100);
    let first = walk
        .script("return Array.from(document.querySelectorAll('#sql-result tbody tr:first-child td')).map(td => td.textContent);")
        .await?;
    assert_eq!(
        first,
        json!(["2026-01-01 08:00:00", "0.333", "0"]),
        "Beijing time, rounded"
    );
    walk.click(Locator::Id("sql-next")).await?;
    assert!(
        walk.text_of("#sql-summary")
            .await?
            .contains("第 101–200 行")
    );
    walk.shot("sql-console").await?;
    walk.script(&run("SELEC nothing")).await?;
    walk.client
        .wait()
        .for_element(Locator::Css("#sql-error:not([hidden])"))
        .await?;
    assert_eq!(
        walk.text_of("#sql-summary").await?,
        "",
        "an error clears the summary"
    );
    let rows = walk
        .script("return document.querySelectorAll('#sql-result tbody tr').length;")
        .await?;
    assert_eq!(rows, 0, "and the table");
    Ok(())
}

/// The navigation fits one row at 1,366 pixels; on a 390-pixel phone it folds behind a menu
/// and the registry's filters fold too.
async fn layout(walk: &Walk) -> Outcome {
    walk.sign_in("admin").await?;
    walk.client.set_window_size(1366, 900).await?;
    walk.go("/enterprises").await?;
    let rows = walk
        .script(
            "const tops = new Set(Array.from(document.querySelectorAll('#nav > a, #nav > details > summary')).map(e => Math.round(e.getBoundingClientRect().top))); return tops.size;",
        )
        .await?;
    assert_eq!(rows, 1, "one row of navigation at 1366 px");
    walk.client.set_window_size(390, 844).await?;
    walk.go("/enterprises").await?;
    let hidden = walk
        .script(
            "return [getComputedStyle(document.getElementById('nav')).display, getComputedStyle(document.querySelector('.filters .more')).display];",
        )
        .await?;
    assert_eq!(hidden, json!(["none", "none"]), "folded on a phone");
    walk.shot("enterprises-phone").await?;
    walk.click(Locator::Css("label[for=nav-toggle]")).await?;
    walk.click(Locator::Css("label[for=more-filters]")).await?;
    let shown = walk
        .script(
            "return [getComputedStyle(document.getElementById('nav')).display, getComputedStyle(document.querySelector('.filters .more')).display];",
        )
        .await?;
    assert_eq!(shown, json!(["flex", "block"]), "opened by a tap");
    walk.shot("enterprises-phone-open").await?;
    // A visitor's three links (notices, the platform directory, sign-in) stay in the bar on a
    // phone (there is no menu to open).
    walk.client.delete_all_cookies().await?;
    walk.go("/signup").await?;
    let visible = walk
        .script(
            "return Array.from(document.querySelectorAll('nav a')).map(a => [a.getAttribute('href'), a.getBoundingClientRect().width > 0]);",
        )
        .await?;
    assert_eq!(
        visible,
        json!([["/notices", true], ["/platforms", true], ["/login", true]]),
        "a visitor's navigation on a phone"
    );
    walk.shot("signup-phone").await?;
    walk.client.set_window_size(1366, 900).await?;
    Ok(())
}
