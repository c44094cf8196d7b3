// Amplify v6 with the features the kit's package has (its API, one function per kit method, and
// listeners through Hub), as an app's module: what bench/size.mjs weighs and bench/run.mjs imports
// in a fresh page beside the kit's entry.
const features = `signIn, confirmSignIn, fetchAuthSession, signOut, signUp, confirmSignUp, resendSignUpCode,
  resetPassword, confirmResetPassword, updatePassword, fetchUserAttributes, updateUserAttributes, confirmUserAttribute,
  sendUserAttributeVerificationCode, deleteUserAttributes, deleteUser, setUpTOTP, verifyTOTPSetup,
  updateMFAPreference, fetchMFAPreference, rememberDevice, forgetDevice, fetchDevices, getCurrentUser`;

export const amplifyFeaturesApp = `
    import { Amplify } from 'aws-amplify';
    import { Hub } from 'aws-amplify/utils';
    import { ${features} } from 'aws-amplify/auth';
    Amplify.configure({ Auth: { Cognito: { userPoolId: 'us-east-1_AbCdEf123', userPoolClientId: 'client' } } });
    export { Hub, ${features} };`;
