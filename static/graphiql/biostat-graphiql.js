// GraphiQL on /graphql/ for a logged-in browser: a static script, since the CSP allows no
// inline script. Requests carry the session cookie and the CSRF token the page was given.
(function () {
  "use strict";

  const DEFAULT_QUERY = `# Biostat GraphQL: the permissions of the REST API.
# Ctrl-Enter runs the query; Ctrl-Space completes.
{
  me {
    username
    role
  }
  datasets(limit: 10) {
    totalCount
    items {
      id
      name
      version
      permissions
    }
  }
}
`;

  const root = document.getElementById("graphiql");
  const fetcher = GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    headers: { "X-CSRFToken": root.dataset.csrfToken },
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
    }),
  );
})();
