# Training an MLP on the moons
# 100 points, two classes, a 2-16-16-1 network with ReLU, Adam
# and the binary cross-entropy loss. The replay shows it learning
# (drag its slider); the panel below trains live, with settings
# you choose.
import nn

X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0,
               init="pytorch")
optimizer = nn.Adam(model.parameters(), lr=0.03)
recorder = nn.Snapshots(model, X, y, loss="bce")
history = nn.fit(model, X, y, loss="bce", optimizer=optimizer,
                 epochs=40, batch_size=32, seed=0,
                 callbacks=[recorder])
for epoch in range(0, 40, 8):
    loss, accuracy = history["loss"][epoch], history["accuracy"][epoch]
    print(f"epoch {epoch + 1:2d}: loss {loss:.4f}, accuracy {accuracy:.0%}")
print(f"after 40 epochs: accuracy {history['accuracy'][-1]:.0%}")
nn.training_report(model, X, y, history, snapshots=recorder.snapshots,
                   title="moons")
