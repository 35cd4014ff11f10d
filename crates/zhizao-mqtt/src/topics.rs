//! The ThingsBoard device topics, and the access control over them: a device publishes and
//! subscribes only under `v1/devices/me/…`, which always means the device it logged in as.

/// Where a device publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishTopic {
    /// `v1/devices/me/telemetry`.
    Telemetry,
    /// `v1/devices/me/attributes`: client-side attributes.
    Attributes,
    /// `v1/devices/me/attributes/request/{id}`: asks for attribute values.
    AttributesRequest(u64),
    /// `v1/devices/me/rpc/response/{id}`: the answer to a command.
    RpcResponse(u64),
}

/// What a device may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subscription {
    /// `v1/devices/me/rpc/request/+`: commands.
    RpcRequests,
    /// `v1/devices/me/attributes`: shared attribute updates.
    AttributeUpdates,
    /// `v1/devices/me/attributes/response/+`: answers to attribute requests.
    AttributeResponses,
}

const PREFIX: &str = "v1/devices/me/";

fn id(text: &str) -> Option<u64> {
    (!text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

impl PublishTopic {
    /// The topic a device may publish to, or `None` for anything else (refused by the ACL).
    pub fn parse(topic: &str) -> Option<Self> {
        let rest = topic.strip_prefix(PREFIX)?;
        match rest {
            "telemetry" => Some(PublishTopic::Telemetry),
            "attributes" => Some(PublishTopic::Attributes),
            _ => {
                if let Some(n) = rest.strip_prefix("attributes/request/") {
                    id(n).map(PublishTopic::AttributesRequest)
                } else if let Some(n) = rest.strip_prefix("rpc/response/") {
                    id(n).map(PublishTopic::RpcResponse)
                } else {
                    None
                }
            }
        }
    }
}

impl Subscription {
    /// The subscription a filter names, or `None` (refused by the ACL).
    pub fn parse(filter: &str) -> Option<Self> {
        match filter.strip_prefix(PREFIX)? {
            "rpc/request/+" => Some(Subscription::RpcRequests),
            "attributes" => Some(Subscription::AttributeUpdates),
            "attributes/response/+" => Some(Subscription::AttributeResponses),
            _ => None,
        }
    }

    /// The topic filter a device subscribes with.
    pub fn filter(self) -> &'static str {
        match self {
            Subscription::RpcRequests => "v1/devices/me/rpc/request/+",
            Subscription::AttributeUpdates => "v1/devices/me/attributes",
            Subscription::AttributeResponses => "v1/devices/me/attributes/response/+",
        }
    }

    /// Whether a topic the platform sends on falls under this subscription.
    pub fn covers(self, topic: &str) -> bool {
        let Some(rest) = topic.strip_prefix(PREFIX) else {
            return false;
        };
        match self {
            Subscription::RpcRequests => rest
                .strip_prefix("rpc/request/")
                .is_some_and(|n| id(n).is_some()),
            Subscription::AttributeUpdates => rest == "attributes",
            Subscription::AttributeResponses => rest
                .strip_prefix("attributes/response/")
                .is_some_and(|n| id(n).is_some()),
        }
    }
}

/// Whether the platform sends devices messages on `topic` (under some subscription).
/// `topic` fit for a log or an error message: a device's own segment in
/// `v1/devices/{segment}/…` other than `me` may be an access token (the external-broker topics),
/// so it is masked.
pub(crate) fn redacted(topic: &str) -> String {
    match topic.strip_prefix("v1/devices/") {
        Some(rest) if !rest.starts_with("me/") && rest != "me" => {
            let tail = rest.split_once('/').map_or("", |(_, tail)| tail);
            format!("v1/devices/…/{tail}")
        }
        _ => topic.to_owned(),
    }
}

pub(crate) fn is_sent_to_devices(topic: &str) -> bool {
    [
        Subscription::RpcRequests,
        Subscription::AttributeUpdates,
        Subscription::AttributeResponses,
    ]
    .into_iter()
    .any(|subscription| subscription.covers(topic))
}

/// The topic a command with this id is sent on.
pub fn rpc_request_topic(id: u64) -> String {
    format!("{PREFIX}rpc/request/{id}")
}

/// The topic an attribute request's answer is sent on.
pub fn attributes_response_topic(id: u64) -> String {
    format!("{PREFIX}attributes/response/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_topics_are_masked() {
        assert_eq!(
            redacted("v1/devices/zd_secret/telemetry"),
            "v1/devices/…/telemetry"
        );
        assert_eq!(redacted("v1/devices/zd_secret"), "v1/devices/…/");
        assert_eq!(
            redacted("v1/devices/me/telemetry"),
            "v1/devices/me/telemetry"
        );
        assert_eq!(redacted("other/topic"), "other/topic");
    }

    #[test]
    fn a_device_reaches_only_its_own_topics() {
        assert_eq!(
            PublishTopic::parse("v1/devices/me/telemetry"),
            Some(PublishTopic::Telemetry)
        );
        assert_eq!(
            PublishTopic::parse("v1/devices/me/rpc/response/17"),
            Some(PublishTopic::RpcResponse(17))
        );
        assert_eq!(
            PublishTopic::parse("v1/devices/me/attributes/request/3"),
            Some(PublishTopic::AttributesRequest(3))
        );
        for refused in [
            "v1/devices/press-08/telemetry",
            "v1/devices/me/telemetry/",
            "v1/devices/me/rpc/response/",
            "v1/devices/me/rpc/response/+",
            "v1/devices/me/rpc/response/99999999999999999999",
            "v1/gateway/telemetry",
            "#",
            "",
        ] {
            assert_eq!(PublishTopic::parse(refused), None, "{refused}");
        }
        assert_eq!(
            Subscription::parse("v1/devices/me/rpc/request/+"),
            Some(Subscription::RpcRequests)
        );
        for refused in [
            "#",
            "v1/devices/+/rpc/request/+",
            "v1/devices/me/#",
            "v1/devices/me/telemetry",
            "$SYS/#",
        ] {
            assert_eq!(Subscription::parse(refused), None, "{refused}");
        }
        for subscription in [
            Subscription::RpcRequests,
            Subscription::AttributeUpdates,
            Subscription::AttributeResponses,
        ] {
            assert_eq!(
                Subscription::parse(subscription.filter()),
                Some(subscription)
            );
        }
        assert!(is_sent_to_devices(&rpc_request_topic(5)));
        assert!(!is_sent_to_devices("v1/devices/me/telemetry"));
        assert!(Subscription::RpcRequests.covers(&rpc_request_topic(5)));
        assert!(!Subscription::RpcRequests.covers("v1/devices/me/attributes"));
        assert!(Subscription::AttributeResponses.covers(&attributes_response_topic(2)));
        assert!(Subscription::AttributeUpdates.covers("v1/devices/me/attributes"));
    }
}
