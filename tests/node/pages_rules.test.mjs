// The pages' reading of a pool description (www/rules.js): the JSON `aws cognito-idp
// describe-user-pool` prints, the same object without its wrapper, the emulator's config shape, and
// nothing at all.
import test from 'node:test';
import assert from 'node:assert/strict';
import { passwordRules, poolRules } from '../../www/rules.js';

// Trimmed from what the AWS CLI prints for a pool with phone or email as username, a strict policy,
// required attributes and device tracking.
const described = {
  UserPool: {
    Id: 'eu-west-1_Example1',
    Name: 'example-corp',
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: false, RequireSymbols: true, TemporaryPasswordValidityDays: 7 } },
    DeletionProtection: 'ACTIVE',
    LambdaConfig: {},
    LastModifiedDate: '2026-11-01T10:00:00.000000+00:00',
    SchemaAttributes: [
      { Name: 'sub', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: false, Required: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '2048' } },
      { Name: 'name', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: true, Required: true, StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' } },
      { Name: 'email', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: true, Required: true, StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' } },
      { Name: 'birthdate', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: true, Required: false },
      { Name: 'custom:tenant', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: false, Required: true },
      { Name: 'dev:custom:internal', AttributeDataType: 'String', DeveloperOnlyAttribute: true, Mutable: true, Required: true },
    ],
    AutoVerifiedAttributes: ['email'],
    UsernameAttributes: ['phone_number', 'email'],
    MfaConfiguration: 'ON',
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true },
    EstimatedNumberOfUsers: 42,
  },
};

test('a describe-user-pool description gives the pages its rules', () => {
  const rules = poolRules(described);
  assert.deepEqual(rules, {
    name: 'example-corp',
    usernameAttributes: ['phone_number', 'email'],
    passwordPolicy: { minimumLength: 12, requireUppercase: true, requireLowercase: true, requireNumbers: false, requireSymbols: true },
    // email is required and a username kind, but so is phone_number: a phone sign-up still needs it.
    requiredAttributes: ['name', 'email', 'custom:tenant'],
    mfa: 'ON',
    totp: true,
    adminCreateOnly: false,
    deviceTracking: { askUser: true },
    described: true,
  });
  assert.deepEqual(poolRules(described.UserPool), rules, 'the object inside "UserPool" reads the same');
  // A pool where only administrators create users: the pages offer no sign-up.
  const adminOnly = { UserPool: { ...described.UserPool, AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } } };
  assert.equal(poolRules(adminOnly).adminCreateOnly, true);
});

test('without a description the pages ask only for what every pool accepts', () => {
  assert.deepEqual(poolRules(null), {
    name: undefined,
    usernameAttributes: [],
    passwordPolicy: { minimumLength: 8, requireUppercase: false, requireLowercase: false, requireNumbers: false, requireSymbols: false },
    requiredAttributes: [],
    mfa: 'OPTIONAL',
    totp: true,
    adminCreateOnly: false,
    deviceTracking: null,
    described: false,
  });
  assert.equal(poolRules({ UserPool: { MfaConfiguration: 'OFF' } }).totp, false);
  const emailOnly = { UsernameAttributes: ['email'], SchemaAttributes: [{ Name: 'email', Required: true }, { Name: 'name', Required: true }] };
  assert.deepEqual(poolRules(emailOnly).requiredAttributes, ['name'], 'the only kind of username is typed as the username');
});

test('password hints follow the policy, with the service symbol set', () => {
  const rules = passwordRules(poolRules(described).passwordPolicy);
  assert.deepEqual(rules.map(([text]) => text), ['At least 12 characters', 'A lowercase letter', 'An uppercase letter', 'A symbol such as ! or $']);
  assert.deepEqual(rules.map(([, , id]) => id), ['length', 'lowercase', 'uppercase', 'symbol'], 'the ids the dictionaries name (rule.{id}, need.{id})');
  const symbol = rules[3][1];
  for (const c of '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ') assert.equal(symbol(`a${c}`), true, `symbol ${JSON.stringify(c)}`);
  for (const c of ['a', 'Z', '7', 'é', '€', '§']) assert.equal(symbol(c), false, `not a symbol: ${c}`);
  const length = rules[0][1];
  assert.equal(length('🔐'.repeat(12)), true, 'length counts characters, not UTF-16 units');
  assert.equal(length('🔐'.repeat(11)), false);
});
