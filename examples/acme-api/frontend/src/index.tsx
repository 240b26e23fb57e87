export default function Home() {
  return <main>Acme orders</main>;
}
