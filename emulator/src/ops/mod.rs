//! The Cognito operations, dispatched by `X-Amz-Target`.

mod account;
mod admin;
mod auth;
mod clients;
mod devices;
mod events;
mod federation;
mod groups;
mod import;
mod mfa;
mod resources;
mod schema;
mod webauthn;

use serde_json::Value;

use crate::app::App;
use crate::error::{ApiError, ApiResult};

/// The service prefix of every `X-Amz-Target`.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

type Handler = fn(&App, &Value) -> ApiResult<Value>;

/// Operations that need IAM (SigV4) credentials.
const ADMIN: bool = true;
/// Operations a browser may call without credentials.
const PUBLIC: bool = false;

const OPERATIONS: &[(&str, bool, Handler)] = &[
    (
        "StartWebAuthnRegistration",
        PUBLIC,
        webauthn::start_web_authn_registration,
    ),
    (
        "CompleteWebAuthnRegistration",
        PUBLIC,
        webauthn::complete_web_authn_registration,
    ),
    (
        "ListWebAuthnCredentials",
        PUBLIC,
        webauthn::list_web_authn_credentials,
    ),
    (
        "DeleteWebAuthnCredential",
        PUBLIC,
        webauthn::delete_web_authn_credential,
    ),
    (
        "GetUserAuthFactors",
        PUBLIC,
        webauthn::get_user_auth_factors,
    ),
    ("CreateUserPool", ADMIN, admin::create_user_pool),
    ("DescribeUserPool", ADMIN, admin::describe_user_pool),
    ("UpdateUserPool", ADMIN, admin::update_user_pool),
    ("DeleteUserPool", ADMIN, admin::delete_user_pool),
    ("ListUserPools", ADMIN, admin::list_user_pools),
    (
        "CreateUserPoolClient",
        ADMIN,
        admin::create_user_pool_client,
    ),
    (
        "DescribeUserPoolClient",
        ADMIN,
        admin::describe_user_pool_client,
    ),
    (
        "DeleteUserPoolClient",
        ADMIN,
        admin::delete_user_pool_client,
    ),
    (
        "ListUserPoolClients",
        ADMIN,
        clients::list_user_pool_clients,
    ),
    (
        "UpdateUserPoolClient",
        ADMIN,
        clients::update_user_pool_client,
    ),
    ("AddCustomAttributes", ADMIN, schema::add_custom_attributes),
    ("AdminCreateUser", ADMIN, admin::admin_create_user),
    (
        "AdminSetUserPassword",
        ADMIN,
        admin::admin_set_user_password,
    ),
    ("AdminConfirmSignUp", ADMIN, admin::admin_confirm_sign_up),
    ("AdminGetUser", ADMIN, admin::admin_get_user),
    ("AdminDeleteUser", ADMIN, admin::admin_delete_user),
    (
        "AdminUpdateUserAttributes",
        ADMIN,
        admin::admin_update_user_attributes,
    ),
    (
        "AdminSetUserMFAPreference",
        ADMIN,
        admin::admin_set_user_mfa_preference,
    ),
    ("AdminDisableUser", ADMIN, admin::admin_disable_user),
    ("AdminEnableUser", ADMIN, admin::admin_enable_user),
    (
        "AdminResetUserPassword",
        ADMIN,
        admin::admin_reset_user_password,
    ),
    (
        "AdminUserGlobalSignOut",
        ADMIN,
        admin::admin_user_global_sign_out,
    ),
    (
        "SetUserPoolMfaConfig",
        ADMIN,
        admin::set_user_pool_mfa_config,
    ),
    (
        "GetUserPoolMfaConfig",
        ADMIN,
        admin::get_user_pool_mfa_config,
    ),
    ("ListUsers", ADMIN, admin::list_users),
    ("CreateGroup", ADMIN, groups::create_group),
    ("GetGroup", ADMIN, groups::get_group),
    ("UpdateGroup", ADMIN, groups::update_group),
    ("DeleteGroup", ADMIN, groups::delete_group),
    ("ListGroups", ADMIN, groups::list_groups),
    (
        "AdminAddUserToGroup",
        ADMIN,
        groups::admin_add_user_to_group,
    ),
    (
        "AdminRemoveUserFromGroup",
        ADMIN,
        groups::admin_remove_user_from_group,
    ),
    (
        "AdminListGroupsForUser",
        ADMIN,
        groups::admin_list_groups_for_user,
    ),
    ("ListUsersInGroup", ADMIN, groups::list_users_in_group),
    ("AdminGetDevice", ADMIN, devices::admin_get_device),
    ("AdminListDevices", ADMIN, devices::admin_list_devices),
    (
        "AdminUpdateDeviceStatus",
        ADMIN,
        devices::admin_update_device_status,
    ),
    ("AdminForgetDevice", ADMIN, devices::admin_forget_device),
    (
        "AdminDeleteUserAttributes",
        ADMIN,
        account::admin_delete_user_attributes,
    ),
    ("AdminSetUserSettings", ADMIN, mfa::admin_set_user_settings),
    ("SetUserSettings", PUBLIC, mfa::set_user_settings),
    ("TagResource", ADMIN, resources::tag_resource),
    ("UntagResource", ADMIN, resources::untag_resource),
    (
        "ListTagsForResource",
        ADMIN,
        resources::list_tags_for_resource,
    ),
    ("GetCSVHeader", ADMIN, resources::get_csv_header),
    (
        "GetSigningCertificate",
        ADMIN,
        resources::get_signing_certificate,
    ),
    ("SetUICustomization", ADMIN, resources::set_ui_customization),
    ("GetUICustomization", ADMIN, resources::get_ui_customization),
    ("SignUp", PUBLIC, account::sign_up),
    ("ConfirmSignUp", PUBLIC, account::confirm_sign_up),
    (
        "ResendConfirmationCode",
        PUBLIC,
        account::resend_confirmation_code,
    ),
    ("ForgotPassword", PUBLIC, account::forgot_password),
    (
        "ConfirmForgotPassword",
        PUBLIC,
        account::confirm_forgot_password,
    ),
    ("GetUser", PUBLIC, account::get_user),
    (
        "UpdateUserAttributes",
        PUBLIC,
        account::update_user_attributes,
    ),
    (
        "GetUserAttributeVerificationCode",
        PUBLIC,
        account::get_user_attribute_verification_code,
    ),
    (
        "VerifyUserAttribute",
        PUBLIC,
        account::verify_user_attribute,
    ),
    (
        "DeleteUserAttributes",
        PUBLIC,
        account::delete_user_attributes,
    ),
    ("DeleteUser", PUBLIC, account::delete_user),
    ("ChangePassword", PUBLIC, account::change_password),
    ("GlobalSignOut", PUBLIC, account::global_sign_out),
    ("InitiateAuth", PUBLIC, auth::initiate_auth),
    (
        "RespondToAuthChallenge",
        PUBLIC,
        auth::respond_to_auth_challenge,
    ),
    (
        "GetTokensFromRefreshToken",
        PUBLIC,
        auth::get_tokens_from_refresh_token,
    ),
    ("RevokeToken", PUBLIC, auth::revoke_token),
    ("AdminInitiateAuth", ADMIN, auth::admin_initiate_auth),
    (
        "AdminRespondToAuthChallenge",
        ADMIN,
        auth::admin_respond_to_auth_challenge,
    ),
    (
        "SetRiskConfiguration",
        ADMIN,
        events::set_risk_configuration,
    ),
    (
        "DescribeRiskConfiguration",
        ADMIN,
        events::describe_risk_configuration,
    ),
    (
        "AdminListUserAuthEvents",
        ADMIN,
        events::admin_list_user_auth_events,
    ),
    (
        "AdminUpdateAuthEventFeedback",
        ADMIN,
        events::admin_update_auth_event_feedback,
    ),
    (
        "UpdateAuthEventFeedback",
        PUBLIC,
        events::update_auth_event_feedback,
    ),
    (
        "AssociateSoftwareToken",
        PUBLIC,
        mfa::associate_software_token,
    ),
    ("VerifySoftwareToken", PUBLIC, mfa::verify_software_token),
    ("SetUserMFAPreference", PUBLIC, mfa::set_user_mfa_preference),
    ("ConfirmDevice", PUBLIC, devices::confirm_device),
    ("GetDevice", PUBLIC, devices::get_device),
    ("ListDevices", PUBLIC, devices::list_devices),
    ("ForgetDevice", PUBLIC, devices::forget_device),
    ("UpdateDeviceStatus", PUBLIC, devices::update_device_status),
    // Federation and user import (federation.rs, import.rs).
    (
        "CreateUserPoolDomain",
        ADMIN,
        federation::create_user_pool_domain,
    ),
    (
        "DescribeUserPoolDomain",
        ADMIN,
        federation::describe_user_pool_domain,
    ),
    (
        "UpdateUserPoolDomain",
        ADMIN,
        federation::update_user_pool_domain,
    ),
    (
        "DeleteUserPoolDomain",
        ADMIN,
        federation::delete_user_pool_domain,
    ),
    (
        "CreateResourceServer",
        ADMIN,
        federation::create_resource_server,
    ),
    (
        "DescribeResourceServer",
        ADMIN,
        federation::describe_resource_server,
    ),
    (
        "UpdateResourceServer",
        ADMIN,
        federation::update_resource_server,
    ),
    (
        "DeleteResourceServer",
        ADMIN,
        federation::delete_resource_server,
    ),
    (
        "ListResourceServers",
        ADMIN,
        federation::list_resource_servers,
    ),
    (
        "CreateIdentityProvider",
        ADMIN,
        federation::create_identity_provider,
    ),
    (
        "DescribeIdentityProvider",
        ADMIN,
        federation::describe_identity_provider,
    ),
    (
        "UpdateIdentityProvider",
        ADMIN,
        federation::update_identity_provider,
    ),
    (
        "DeleteIdentityProvider",
        ADMIN,
        federation::delete_identity_provider,
    ),
    (
        "ListIdentityProviders",
        ADMIN,
        federation::list_identity_providers,
    ),
    (
        "GetIdentityProviderByIdentifier",
        ADMIN,
        federation::get_identity_provider_by_identifier,
    ),
    (
        "AdminLinkProviderForUser",
        ADMIN,
        federation::admin_link_provider_for_user,
    ),
    (
        "AdminDisableProviderForUser",
        ADMIN,
        federation::admin_disable_provider_for_user,
    ),
    ("CreateUserImportJob", ADMIN, import::create_user_import_job),
    ("StartUserImportJob", ADMIN, import::start_user_import_job),
    ("StopUserImportJob", ADMIN, import::stop_user_import_job),
    (
        "DescribeUserImportJob",
        ADMIN,
        import::describe_user_import_job,
    ),
    ("ListUserImportJobs", ADMIN, import::list_user_import_jobs),
];

/// What the HTTP layer learned about the caller of one API call.
pub struct Caller<'a> {
    /// Checks the request's SigV4 signature; run only for IAM-authenticated operations.
    pub verify_signature: &'a dyn Fn() -> ApiResult<()>,
    /// The request came from a web page of a non-loopback origin.
    pub foreign_origin: bool,
}

/// Runs one API call.
pub fn dispatch(app: &App, target: Option<&str>, body: &[u8], caller: &Caller) -> ApiResult<Value> {
    let operation = target
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .ok_or_else(|| ApiError::new("UnknownOperationException", "Unknown operation"))?;
    let (_, needs_signature, handler) = OPERATIONS
        .iter()
        .find(|(name, _, _)| *name == operation)
        .ok_or_else(|| {
        ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {operation}"),
        )
    })?;
    if *needs_signature {
        // The emulator's admin credentials are public knowledge (test/test): a page of another
        // site must not be able to use them against a developer's emulator.
        if caller.foreign_origin {
            return Err(ApiError::new(
                "AccessDeniedException",
                "IAM-authenticated operations are not accepted from web pages of other origins.",
            ));
        }
        (caller.verify_signature)()?;
    }
    let request: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::serialization(format!("Malformed JSON body: {e}")))?
    };
    crate::limits::check(&request)?;
    handler(app, &request)
}

/// Names of every implemented operation (for the README and tests).
pub fn operation_names() -> impl Iterator<Item = &'static str> {
    OPERATIONS.iter().map(|(name, _, _)| *name)
}

/// The user-import upload the HTTP layer serves at a job's `PreSignedUrl`.
pub mod import_support {
    pub use super::import::{accept_upload, UploadRefused};
}

/// What the start-up does to the state a previous run left.
pub mod startup_support {
    pub use super::import::end_interrupted;
}

/// What the managed login page of a pool's domain (`crate::hosted`) uses: the API's own
/// password sign-in, so the page has no second copy of it.
pub mod hosted_support {
    pub use super::auth::{managed_login, managed_respond};
    pub use super::mfa::{associate_software_token, verify_software_token};
}
