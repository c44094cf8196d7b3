// The pool's rules as the pages need them. No imports, so it is tested directly in Node.

/**
 * The pool's rules, from the JSON that `aws cognito-idp describe-user-pool` prints (`{"UserPool": …}`
 * or the object inside it). Anything missing falls back to what every pool accepts.
 */
export function poolRules(description) {
  const pool = description?.UserPool ?? description ?? {};
  const policy = pool.Policies?.PasswordPolicy ?? {};
  const schema = pool.SchemaAttributes ?? pool.Schema ?? [];
  const usernameAttributes = pool.UsernameAttributes ?? [];
  return {
    name: pool.Name ?? pool.PoolName,
    usernameAttributes,
    passwordPolicy: {
      minimumLength: policy.MinimumLength ?? 8,
      requireUppercase: policy.RequireUppercase ?? false,
      requireLowercase: policy.RequireLowercase ?? false,
      requireNumbers: policy.RequireNumbers ?? false,
      requireSymbols: policy.RequireSymbols ?? false,
    },
    // Attributes a sign-up must carry, except the one typed as the username when it is the only
    // kind of username (and `sub`, which the service assigns: describe-user-pool lists it as required).
    requiredAttributes: schema
      .filter((a) => a.Required && a.Name !== 'sub' && !a.DeveloperOnlyAttribute)
      .filter((a) => !(usernameAttributes.length === 1 && usernameAttributes[0] === a.Name))
      .map((a) => a.Name),
    mfa: pool.MfaConfiguration ?? 'OPTIONAL',
    // describe-user-pool does not say whether TOTP is enabled (get-user-pool-mfa-config does, as
    // SoftwareTokenMfaConfiguration, read here when merged in); config.json's "totp" overrides.
    totp: pool.MfaConfiguration !== 'OFF' && pool.SoftwareTokenMfaConfiguration?.Enabled !== false,
    // Only administrators create users: SignUp is refused, so the pages do not offer it.
    adminCreateOnly: pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly === true,
    deviceTracking: pool.DeviceConfiguration
      ? { askUser: pool.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt ?? false }
      : null,
    described: Object.keys(pool).length > 0,
  };
}

/**
 * The password-policy rules as [English description, test, id] triples, in the order the hints show
 * them. The pages show the id's text from their dictionary (`rule.{id}`).
 */
export function passwordRules(policy) {
  const rules = [[`At least ${policy.minimumLength} characters`, (v) => [...v].length >= policy.minimumLength, 'length']];
  if (policy.requireLowercase) rules.push(['A lowercase letter', (v) => /[a-z]/.test(v), 'lowercase']);
  if (policy.requireUppercase) rules.push(['An uppercase letter', (v) => /[A-Z]/.test(v), 'uppercase']);
  if (policy.requireNumbers) rules.push(['A number', (v) => /[0-9]/.test(v), 'number']);
  // The service's symbol set: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and space.
  if (policy.requireSymbols) rules.push(['A symbol such as ! or $', (v) => /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(v), 'symbol']);
  return rules;
}
