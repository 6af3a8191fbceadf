// GraphiQL for graph-api: everything it loads comes from this service (see LICENSES.md),
// so it works offline and under a Content-Security-Policy of 'self' only.
(function () {
  "use strict";

  var url = window.location.origin + "/graphql";
  var subscriptionUrl = url.replace(/^http/, "ws");

  var FIRST_QUERY = [
    "# Welcome to graph-api. Sign in first: `make run` prints the demo admin's password",
    "# (also in data/secrets/demo_password). Put the accessToken it answers with in the",
    '# Headers pane below as {"Authorization": "Bearer <accessToken>"}.',
    "mutation SignIn {",
    '  login(input: {email: "demo@example.org", password: "<printed password>"}) {',
    "    accessToken refreshToken errors { field code message }",
    "  }",
    "}",
    "",
    "# Then ask who you are:",
    "query Me {",
    "  me { name }",
    "}",
    "",
  ].join("\n");

  function Page() {
    var fetcher = React.useMemo(function () {
      return GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl });
    }, []);
    var explorer = React.useMemo(function () {
      return GraphiQLPluginExplorer.explorerPlugin();
    }, []);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: FIRST_QUERY,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
      inputValueDeprecation: true,
      plugins: [explorer],
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Page));
})();
