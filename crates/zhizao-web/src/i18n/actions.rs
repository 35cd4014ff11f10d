//! The labels of what the service platforms' modules audit (factories, marker making, the
//! service catalogue and requests, vouchers, maturity assessment, solutions, training, talent),
//! for the audit log and the histories that show it.

/// (action, Chinese, English).
pub(super) const SERVICE_ACTIONS: &[(&str, &str, &str)] = &[
    ("signup.requested", "申请注册", "Sign-up requested"),
    (
        "user.password_reset_requested",
        "申请重置密码",
        "Password reset requested",
    ),
    (
        "st_application.attachment_added",
        "上传专项附件",
        "Attachment added",
    ),
    (
        "factory_setup.version_created",
        "保存工厂配置",
        "Factory set-up saved",
    ),
    (
        "factory_tariff.version_created",
        "保存价目表",
        "Tariff saved",
    ),
    ("factory_order.placed", "下单并报价", "Ordered and quoted"),
    ("factory_order.accepted", "接受报价", "Quote accepted"),
    ("factory_order.requoted", "重新报价", "Quoted again"),
    ("factory_order.cancelled", "取消订单", "Order cancelled"),
    ("factory_order.delivered", "工厂交付", "Delivered"),
    ("factory_order.received", "签收并评价", "Received and rated"),
    (
        "factory_order.file_added",
        "上传订单文件",
        "Order file added",
    ),
    (
        "factory_order.file_removed",
        "删除订单文件",
        "Order file removed",
    ),
    (
        "factory_order.material_received",
        "来料签收",
        "Material received",
    ),
    ("factory_plan.created", "生成生产计划", "Plan made"),
    ("factory_plan.published", "发布生产计划", "Plan published"),
    (
        "factory_stop.reason",
        "登记停机原因",
        "Stop reason recorded",
    ),
    (
        "factory_pattern.created",
        "上传裁片样板",
        "Pattern uploaded",
    ),
    (
        "factory_nesting_run.started",
        "开始排料",
        "Marker making started",
    ),
    (
        "factory_nesting_run.stopped",
        "停止排料",
        "Marker making stopped",
    ),
    (
        "service_platform.profile_saved",
        "保存平台简介",
        "Platform profile saved",
    ),
    (
        "service_offering.created",
        "新建服务项目",
        "Service drafted",
    ),
    (
        "service_offering.updated",
        "修改服务项目",
        "Service changed",
    ),
    (
        "service_offering.revised",
        "修订服务项目",
        "Service revised",
    ),
    (
        "service_request.created",
        "提交服务申请",
        "Service requested",
    ),
    (
        "service_request.quoted",
        "平台提出合同",
        "Contract proposed",
    ),
    ("service_request.declined", "平台谢绝", "Request declined"),
    ("service_request.cancelled", "企业撤回", "Request withdrawn"),
    (
        "service_request.confirmed",
        "企业确认合同",
        "Contract confirmed",
    ),
    ("service_request.delivered", "平台交付", "Delivered"),
    ("service_request.accepted", "企业验收", "Delivery accepted"),
    (
        "service_request.disputed",
        "企业提出异议",
        "Delivery disputed",
    ),
    ("service_request.rated", "企业评价", "Rated"),
    (
        "service_request.file_added",
        "上传申请文件",
        "Request file added",
    ),
    ("service_request.voucher_used", "使用创新券", "Voucher used"),
    (
        "voucher_programme.opened",
        "发布创新券计划",
        "Voucher programme opened",
    ),
    (
        "voucher_programme.closed",
        "结束创新券计划",
        "Voucher programme closed",
    ),
    (
        "voucher_quota.applied",
        "申领创新券",
        "Vouchers applied for",
    ),
    (
        "voucher_quota.granted",
        "核定创新券额度",
        "Vouchers granted",
    ),
    (
        "voucher_quota.refused",
        "不予核定创新券",
        "Vouchers refused",
    ),
    (
        "maturity_assessment.started",
        "开始成熟度自评估",
        "Assessment started",
    ),
    (
        "maturity_assessment.answered",
        "填写评估答案",
        "Answers given",
    ),
    (
        "maturity_assessment.evidence_added",
        "上传评估佐证",
        "Evidence added",
    ),
    (
        "maturity_assessment.evidence_removed",
        "删除评估佐证",
        "Evidence removed",
    ),
    (
        "maturity_assessment.submitted",
        "提交成熟度评估",
        "Assessment submitted",
    ),
    (
        "maturity_assessment.discarded",
        "放弃评估草稿",
        "Draft discarded",
    ),
    (
        "maturity_assessment.recorded",
        "录入历史评估",
        "Past assessment recorded",
    ),
    ("solution.created", "新建解决方案", "Solution drafted"),
    ("solution.updated", "修改解决方案", "Solution changed"),
    (
        "solution.status_changed",
        "变更方案状态",
        "Solution status changed",
    ),
    ("solution.recorded", "录入解决方案", "Solution recorded"),
    (
        "solution_adoption.proposed",
        "提出采用方案",
        "Adoption proposed",
    ),
    (
        "solution_adoption.step",
        "推进方案采用",
        "Adoption moved on",
    ),
    (
        "solution_adoption.verified",
        "验证方案成效",
        "Adoption verified",
    ),
    (
        "solution_adoption.recorded",
        "录入方案采用",
        "Adoption recorded",
    ),
    ("course.created", "新建课程", "Course drafted"),
    ("course.updated", "修改课程", "Course changed"),
    (
        "course.status_changed",
        "变更课程状态",
        "Course status changed",
    ),
    ("course.recorded", "录入课程", "Course recorded"),
    ("lesson.added", "添加课时", "Lesson added"),
    (
        "lesson.file_uploaded",
        "上传课时文件",
        "Lesson file uploaded",
    ),
    ("lesson.moved", "调整课时顺序", "Lesson moved"),
    ("lesson.removed", "删除课时", "Lesson removed"),
    (
        "training_session.created",
        "安排线下课",
        "Session scheduled",
    ),
    (
        "training_session.registered",
        "线下课报名",
        "Registered for a session",
    ),
    (
        "training_session.signed_in",
        "线下课签到",
        "Signed in to a session",
    ),
    (
        "training_session.cancelled",
        "取消线下课",
        "Session cancelled",
    ),
    ("certificate.issued", "颁发结业证书", "Certificate issued"),
    ("talent.recorded", "登记人才", "Talent recorded"),
    ("talent.updated", "修改人才信息", "Talent changed"),
    ("innovation_team.recorded", "登记创新团队", "Team recorded"),
    ("innovation_team.updated", "修改团队信息", "Team changed"),
    ("ip.recorded", "登记知识产权", "IP recorded"),
    ("ip.updated", "修改知识产权", "IP changed"),
    (
        "open_data.key_issued",
        "签发开放数据密钥",
        "Open data key issued",
    ),
    (
        "open_data.key_revoked",
        "吊销开放数据密钥",
        "Open data key revoked",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::SERVICE_ACTIONS;
    use crate::i18n::Tr;

    /// Every `"domain.action"` literal audited in the workspace's sources: in an
    /// `AuditEntry::new(` call or in a function that returns an audit action.
    fn audited_actions() -> BTreeSet<String> {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = BTreeSet::new();
        let mut stack = vec![crates];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if path.is_dir() && name != "target" && name != "tests" {
                    stack.push(path);
                } else if name.ends_with(".rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (index, _) in text.match_indices("AuditEntry::new(") {
                        let rest = text[index + 16..].trim_start();
                        if let Some(literal) = rest.strip_prefix('"') {
                            let action: String =
                                literal.chars().take_while(|c| *c != '"').collect();
                            found.insert(action);
                        }
                    }
                    // The match arms of `fn audit_action` / `fn action` tables.
                    for block in text.split("fn audit_action").skip(1) {
                        let body = block.split("\n}").next().unwrap_or("");
                        for arm in body.split("=> \"").skip(1) {
                            found.insert(arm.chars().take_while(|c| *c != '"').collect());
                        }
                    }
                }
            }
        }
        found.retain(|action| {
            let mut parts = action.split('.');
            let word = |p: Option<&str>| {
                p.is_some_and(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                })
            };
            word(parts.next()) && word(parts.next()) && parts.next().is_none()
        });
        found
    }

    #[test]
    fn every_audited_action_has_a_label_in_both_languages() {
        let actions = audited_actions();
        assert!(actions.len() > 100, "{actions:?}");
        for language in [zhizao_core::Language::ZhCn, zhizao_core::Language::En] {
            let t = Tr(language);
            let unlabelled: Vec<&String> = actions
                .iter()
                .filter(|action| t.action_label(action) == **action)
                .collect();
            assert!(unlabelled.is_empty(), "{language:?}: {unlabelled:?}");
        }
        let mut seen = BTreeSet::new();
        for (action, zh, en) in SERVICE_ACTIONS {
            assert!(seen.insert(*action), "{action} twice");
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
