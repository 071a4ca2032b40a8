module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // The CLI bundle made by `yarn build:cli`.
  ignorePatterns: ['dist-cli/**'],
});
