/** Files the report embeds as text (Bun `with { type: "text" }` imports, inlined by the bundler). */
declare module "*.client.js" {
  const text: string;
  export default text;
}
declare module "*.min.js" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
