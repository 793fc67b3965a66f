declare module '*.pvk' {
  const text: string;
  export default text;
}
