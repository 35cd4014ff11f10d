//! The words of training: courses, lessons, offline sessions, sign-in and certificates.

use zhizao_core::Language;

use super::Tr;

impl Tr {
    /// "3 / 5 课时" — required lessons done of required.
    pub(crate) fn course_lessons_done(&self, done: i64, of: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("必修课时 {done}/{of}"),
            Language::En => format!("required lessons {done}/{of}"),
        }
    }

    /// "线下 1/2 次" — sessions attended of required.
    pub(crate) fn course_sessions_done(&self, done: i64, of: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("线下课 {done}/{of} 次"),
            Language::En => format!("offline sessions {done}/{of}"),
        }
    }

    /// The completion rule in words.
    pub(crate) fn course_rule(&self, lessons: i64, sessions: i64) -> String {
        match (self.0, lessons > 0, sessions > 0) {
            (Language::ZhCn, true, true) => {
                format!("完成全部 {lessons} 个必修课时，并参加至少 {sessions} 次线下课")
            }
            (Language::ZhCn, true, false) => format!("完成全部 {lessons} 个必修课时"),
            (Language::ZhCn, false, _) => format!("参加至少 {sessions} 次线下课"),
            (Language::En, true, true) => format!(
                "all {lessons} required lessons done and at least {sessions} offline sessions attended"
            ),
            (Language::En, true, false) => format!("all {lessons} required lessons done"),
            (Language::En, false, _) => format!("at least {sessions} offline sessions attended"),
        }
    }

    /// "16 学时".
    pub(crate) fn course_hours(&self, hours: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("{hours} 学时"),
            Language::En => format!("{hours} hours"),
        }
    }

    /// "12 分钟".
    pub(crate) fn lesson_minutes(&self, minutes: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("{minutes} 分钟"),
            Language::En => format!("{minutes} min"),
        }
    }

    /// "已报名 12/30".
    pub(crate) fn class_seats(&self, registered: i64, capacity: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已报名 {registered}/{capacity}"),
            Language::En => format!("{registered}/{capacity} registered"),
        }
    }

    /// "已签到 8".
    pub(crate) fn class_signed_count(&self, signed: i64) -> String {
        match self.0 {
            Language::ZhCn => format!("已签到 {signed} 人"),
            Language::En => format!("{signed} signed in"),
        }
    }

    /// "签到成功（12-12 09:03）".
    pub(crate) fn class_signed_at(&self, at: &str) -> String {
        match self.0 {
            Language::ZhCn => format!("已签到（{at}）"),
            Language::En => format!("Signed in ({at})"),
        }
    }
}

messages! {
    TRAINING_MESSAGES;
    nav_training: "培训", "Training";
    training_title: "培训课程", "Training courses";
    training_hint: "服务平台开设的线上课程与线下实训：线上学习图文、讲义和视频，线下课扫码签到，满足结业条件后自动颁发可公开查验的结业证书。", "Courses and hands-on sessions from the service platforms: learn from text, handouts and videos online, sign in to sessions by scanning a code, and get a certificate anyone can verify once the completion rule is met.";
    training_mine: "我的学习", "My learning";
    training_my_certificates: "我的证书", "My certificates";
    training_none: "暂无课程", "No courses yet";
    training_courses_offered: "开设课程", "Courses offered";
    training_online_learners: "线上学员（人）", "Learners online (people)";
    training_offline_trainees: "线下培训（人）", "Trained in the room (people)";
    training_sessions_held: "线下课（次）", "Sessions held";
    training_certificates_issued: "颁发证书", "Certificates issued";
    course_new: "新建课程", "New course";
    course_title_label: "课程名称", "Title";
    course_summary_label: "课程简介", "Summary";
    course_field_label: "领域", "Field";
    course_hours_label: "学时", "Credit hours";
    course_required_sessions_label: "须参加的线下课次", "Offline sessions required";
    course_save_draft: "保存草稿", "Save as draft";
    course_publish: "发布课程", "Publish";
    course_withdraw: "停开", "Withdraw";
    course_withdraw_confirm: "停开后不能再报名，学员的进度和证书保留。确定停开吗？", "No one can enrol once it is withdrawn; learners keep their progress and certificates. Withdraw it?";
    course_rule_label: "结业条件", "Completion rule";
    course_provider_label: "开课单位", "Provider";
    course_enrol: "报名学习", "Enrol";
    course_enrolled: "已报名", "Enrolled";
    course_completed: "已结业", "Completed";
    course_learners: "学员与进度", "Learners and progress";
    course_no_learners: "还没有学员", "No learners yet";
    course_progress_label: "进度", "Progress";
    course_lessons_label: "课时", "Lessons";
    course_no_lessons: "还没有课时", "No lessons yet";
    lesson_add: "添加课时", "Add a lesson";
    lesson_kind_label: "类型", "Kind";
    lesson_minutes_label: "时长（分钟）", "Length (minutes)";
    lesson_body_label: "正文（图文课时必填）", "Text (required for a text lesson)";
    lesson_required_label: "计入结业条件（必修）", "Counts for completion (required)";
    lesson_optional: "选修", "Optional";
    lesson_upload: "上传文件", "Upload the file";
    lesson_file_missing: "待上传文件", "File not uploaded";
    lesson_done: "已完成", "Done";
    lesson_mark_done: "我已学完本课时", "I have finished this lesson";
    lesson_video_hint: "视频观看至少 90% 后自动记为完成，进度会自动保存。", "A video counts as done once 90 % of it is watched; progress is saved as you watch.";
    lesson_open_pdf: "在新窗口打开讲义", "Open the handout in a new window";
    lesson_enrol_first: "报名后可记录学习进度", "Enrol to have your progress recorded";
    lesson_previous: "上一课时", "Previous lesson";
    lesson_next: "下一课时", "Next lesson";
    lesson_remove: "删除", "Remove";
    lesson_file_accepts: "PDF 讲义最大 50 MB；视频为 MP4 或 WebM，最大 200 MB", "PDF up to 50 MB; video as MP4 or WebM up to 200 MB";
    class_title: "线下课", "Offline sessions";
    class_none: "暂无即将开始的线下课", "No sessions coming up";
    class_past: "已结束的线下课", "Past sessions";
    class_add: "安排线下课", "Schedule a session";
    class_title_label: "名称", "Title";
    class_place_label: "地点", "Place";
    class_date_label: "日期", "Date";
    class_starts_label: "开始时间", "Starts";
    class_ends_label: "结束时间", "Ends";
    class_capacity_label: "名额", "Seats";
    class_trainer_label: "讲师", "Trainer";
    class_register: "报名本次课", "Register";
    class_registered: "已报名", "Registered";
    class_screen: "签到大屏", "Sign-in screen";
    class_screen_hint: "请用手机扫码签到，签到码每分钟更换", "Scan with your phone to sign in; the code changes every minute";
    class_code_label: "签到码", "Sign-in code";
    class_enter_code: "输入讲师屏幕上的签到码", "Type the code on the trainer's screen";
    class_sign_in: "签到", "Sign in";
    class_signed_in: "签到成功", "Signed in";
    class_roster: "签到名单", "Roster";
    class_sign_in_for: "代签", "Sign in for them";
    class_register_person: "登记无账号学员", "Register a person without an account";
    class_cancel: "取消本次课", "Cancel this session";
    class_cancel_reason: "取消原因", "Reason";
    class_cancel_hint: "已报名的学员会收到短信或邮件通知；取消后不能再报名和签到。", "Everyone registered is told by SMS or e-mail; registration and sign-in close.";
    class_cancelled: "本次课已取消", "Session cancelled";
    lesson_move_earlier: "上移", "Move earlier";
    lesson_move_later: "下移", "Move later";
    class_person_name: "姓名", "Name";
    class_person_phone: "手机号", "Mobile number";
    class_enterprise: "所在企业", "Enterprise";
    class_not_signed: "未签到", "Not signed in";
    class_by_code: "扫码", "Code";
    class_by_trainer: "代签", "Trainer";
    class_changes_in: "秒后更换", "s until it changes";
    class_time_invalid: "请填写日期和时间，如 2026-12-12 与 09:00", "enter a date and times, e.g. 2026-12-12 and 09:00";
    cert_title: "结业证书", "Certificate";
    cert_code_label: "证书编号", "Certificate No.";
    cert_holder_label: "持证人", "Holder";
    cert_course_label: "课程", "Course";
    cert_issued_label: "颁发日期", "Issued";
    cert_download: "下载证书 PDF", "Download the PDF";
    cert_none: "还没有证书", "No certificates yet";
    cert_verify_title: "证书查验", "Verify a certificate";
    cert_verify_hint: "输入证书上的编号（如 7KQ2-M9XD-3HPA），查验证书是否由本平台颁发。", "Enter the number on the certificate (e.g. 7KQ2-M9XD-3HPA) to check that this platform issued it.";
    cert_verify: "查验", "Verify";
    cert_valid: "证书有效：本平台颁发的结业证书", "Valid: a certificate issued by this platform";
    cert_unknown: "未找到该编号的证书", "No certificate has this number";
}
