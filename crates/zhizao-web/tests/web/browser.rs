//! A real browser (Debian's headless Chromium, driven over WebDriver by chromedriver) signs in,
//! imports a spreadsheet through the page, reads the report, finds the imported enterprise,
//! checks that Chinese text renders with a real font, and switches to English.
//!
//! The test script installs `chromium` and `chromium-driver`; under `CI=true` their absence is a
//! failure. Screenshots land in the test's temporary target directory for people to look at.

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::support::{PASSWORD, app_on, code};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_browser_signs_in_imports_a_spreadsheet_and_reads_chinese() {
    let (Some(chromedriver), Some(chromium)) = (
        find("chromedriver"),
        find("chromium").or_else(|| find("chromium-browser")),
    ) else {
        zhizao_db::testing::missing("chromium and chromedriver");
        return;
    };
    let app = app_on(zhizao_db::testing::sqlite().await).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zhizao_web::serve(
        listener,
        app.router.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    let driver_port = free_port();
    let _driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
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
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities.as_object().unwrap().clone());
    let mut browser = None;
    for _ in 0..50 {
        match builder
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
        {
            Ok(client) => {
                browser = Some(client);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let browser = browser.expect("chromedriver accepts a session");
    let shots = screenshot_dir();
    let result = async {
        // Sign in through the form.
        browser.goto(&format!("{base}/enterprises")).await?;
        assert!(browser.current_url().await?.as_str().contains("/login?next="));
        assert_eq!(browser.title().await?, "登录 · 智造平台");
        browser.find(Locator::Id("username")).await?.send_keys("admin").await?;
        browser.find(Locator::Id("password")).await?.send_keys(PASSWORD).await?;
        browser.find(Locator::Css("form[action='/login'] button[type=submit]")).await?.click().await?;
        browser.wait().for_element(Locator::Id("result-count")).await?;
        assert!(browser.current_url().await?.path().ends_with("/enterprises"));
        std::fs::write(shots.join("enterprises-zh.png"), browser.screenshot().await?)?;

        // Chinese renders with a real font: two different phrases must not draw the same
        // pixels, which is what happens when every glyph is a missing-glyph box.
        let rendered = browser
            .execute(
                "const family = getComputedStyle(document.body).fontFamily; \
                 const draw = (text) => { const c = document.createElement('canvas'); c.width = 200; c.height = 50; \
                   const g = c.getContext('2d'); g.font = '32px ' + family; g.fillText(text, 0, 36); return c.toDataURL(); }; \
                 return [draw('中山智造'), draw('企业名录'), draw('\\uE000\\uE001\\uE002\\uE003')];",
                vec![],
            )
            .await?;
        let drawn: Vec<String> = serde_json::from_value(rendered)?;
        assert_ne!(drawn[0], drawn[1], "different Chinese phrases draw differently (a CJK font is installed and used)");
        assert_ne!(drawn[0], drawn[2], "Chinese does not draw as missing-glyph boxes");

        // Import a spreadsheet with a mistake: a per-row report, nothing imported.
        let folder = tempfile::tempdir()?;
        let bad = folder.path().join("企业名录-有错误.csv");
        std::fs::write(
            &bad,
            format!(
                "统一社会信用代码,企业名称,法定代表人,镇街,行业代码,规上企业\n{},中山市浏览器导入电器有限公司（示例）,周某某,小榄镇,3851,是\n91442000000000999X,中山市错误代码有限公司（示例）,吴某某,小榄镇,3851,否\n",
                code(60)
            ),
        )?;
        browser.goto(&format!("{base}/enterprises/import")).await?;
        browser.find(Locator::Id("file")).await?.send_keys(bad.to_str().unwrap()).await?;
        browser.find(Locator::Id("import-submit")).await?.click().await?;
        let table = browser.wait().for_element(Locator::Id("import-errors")).await?;
        let report = table.text().await?;
        assert!(report.contains("A 统一社会信用代码") && report.contains('3'), "{report}");
        assert!(browser.find(Locator::Id("import-result")).await?.text().await?.contains("未导入任何数据"));
        std::fs::write(shots.join("import-report.png"), browser.screenshot().await?)?;

        // Fix the file, import again, and find the enterprise.
        let good = folder.path().join("企业名录.csv");
        std::fs::write(
            &good,
            format!("统一社会信用代码,企业名称,法定代表人,镇街,行业代码,规上企业\n{},中山市浏览器导入电器有限公司（示例）,周某某,小榄镇,3851,是\n", code(60)),
        )?;
        browser.goto(&format!("{base}/enterprises/import")).await?;
        browser.find(Locator::Id("file")).await?.send_keys(good.to_str().unwrap()).await?;
        browser.find(Locator::Id("import-submit")).await?.click().await?;
        let created = browser.wait().for_element(Locator::Id("created-count")).await?;
        assert_eq!(created.text().await?, "1");
        assert!(browser.find(Locator::Id("import-result")).await?.text().await?.contains("导入成功"));
        browser.goto(&format!("{base}/enterprises?q=%E6%B5%8F%E8%A7%88%E5%99%A8")).await?;
        let count = browser.wait().for_element(Locator::Id("result-count")).await?.text().await?;
        assert!(count.contains("共 1 条"), "{count}");
        browser.find(Locator::LinkText("中山市浏览器导入电器有限公司（示例）")).await?.click().await?;
        browser.wait().for_element(Locator::Id("history")).await?;
        std::fs::write(shots.join("enterprise-detail.png"), browser.screenshot().await?)?;

        // English is one click away and stays chosen.
        browser.find(Locator::Css("form[action='/language'] button")).await?.click().await?;
        browser.wait().for_element(Locator::Css("html[lang='en']")).await?;
        browser.goto(&format!("{base}/enterprises")).await?;
        assert_eq!(browser.title().await?, "Enterprises · Zhizao");
        browser.set_window_size(390, 844).await?;
        std::fs::write(shots.join("enterprises-en-phone.png"), browser.screenshot().await?)?;
        browser.goto(&format!("{base}/")).await?;
        std::fs::write(shots.join("home-en-phone.png"), browser.screenshot().await?)?;
        Ok::<(), Box<dyn std::error::Error>>(())
    }
    .await;
    browser.close().await.ok();
    let _ = stop.send(());
    let _ = server.await;
    if let Err(error) = result {
        panic!("browser test failed: {error}");
    }
}
